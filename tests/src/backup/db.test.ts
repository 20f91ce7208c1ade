// db-dump, verify and db-restore against a real PostgreSQL 15 and moto_server: the happy path and
// every failure the issue names, each leaving latest.json where it was.
import { ListMultipartUploadsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { Client } from "pg";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, pgBinDir, tableFingerprints } from "../../../scripts/servers/postgres";
import { exists, mlflowFixture, readBytes, readText, runCli, runInProcess, startServers, type CliResult, type Servers } from "./harness";

interface Manifest {
    kind: string;
    id: string;
    key: string;
    size: number;
    sha256: string;
    startedAt: string;
    finishedAt: string;
    details: { serverVersion: string; tables: Record<string, number> };
}

// On the test run's shared server a file's databases carry its prefix t<8 hex>_ (scripts/servers/backup.ts).
function assertOneLineFailure(result: CliResult, pattern: RegExp, code = 1): void {
    assert.equal(result.code, code, `expected exit ${code}, got ${result.code}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line, got:\n${result.stderr}`);
    assert.match(lines[0], pattern);
}

describe("backup runner: database (PostgreSQL 15 + moto_server)", function () {
    this.timeout(120_000);
    let servers: Servers;
    let env: Record<string, string>;
    let first: Manifest;
    const pointerKey = "test/db/latest.json";

    before(async () => {
        servers = await startServers();
        env = servers.env;
        await servers.pg.query("mlflow", mlflowFixture);
    });
    after(async () => servers?.stop());

    const pointer = () => readText(servers.s3, servers.bucket, pointerKey);

    // A handful of cases run the runner as the CronJob does, a Node process of its own (its exit
    // codes, stdout and stderr as the process leaves them); the rest run in-process through main.
    it("db-dump streams the dump, then writes the manifest, then latest.json", async () => {
        const result = await runCli(["db-dump"], env);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stderr, "");
        assert.match(
            result.stdout,
            new RegExp(
                `^db-dump: s3://${servers.bucket}/test/db/\\d{8}T\\d{6}Z-[0-9a-f]{4}/mlflow\\.dump \\(\\d+ bytes, sha256 [0-9a-f]{64}\\), 4 tables; latest -> \\S+\\n$`,
            ),
        );

        const latest = JSON.parse(await pointer()) as { id: string; manifest: string };
        first = JSON.parse(await readText(servers.s3, servers.bucket, latest.manifest)) as Manifest;
        assert.equal(latest.manifest, `test/db/${latest.id}/manifest.json`);
        assert.equal(first.id, latest.id);
        assert.equal(first.kind, "db");
        assert.match(first.details.serverVersion, /^15\./);
        assert.deepEqual(first.details.tables, {
            "public.experiments": 40,
            "public.metrics": 20000,
            "public.runs": 3000,
            "registry.registered_models": 2,
        });
        assert.ok(Date.parse(first.startedAt) <= Date.parse(first.finishedAt));

        const dump = await readBytes(servers.s3, servers.bucket, first.key);
        assert.equal(dump.length, first.size);
        assert.equal(createHash("sha256").update(dump).digest("hex"), first.sha256);
        assert.equal(dump.subarray(0, 5).toString(), "PGDMP", "a pg_dump custom-format archive");
    });

    it("verify restores into a scratch database, matches every row count and drops the scratch database", async () => {
        const result = await runInProcess(["verify"], env);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `verify: db/${first.id} OK: sha256 checked, 4 tables and 23042 rows match the manifest\n`);
        const scratch = await servers.pg.query("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'backup_verify_%'");
        assert.deepEqual(scratch, []);
    });

    it("db-restore into an empty database gives identical data (row counts and md5 of every table's ordered rows)", async () => {
        await servers.pg.createDatabase("restored");
        const result = await runInProcess(["db-restore", "--from", "latest", "--target-url", servers.pg.url("restored")], env);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `db-restore: restored db/${first.id} (sha256 ${first.sha256} checked)\n`);
        const [source, restored] = await Promise.all([tableFingerprints(servers.pg, "mlflow"), tableFingerprints(servers.pg, "restored")]);
        assert.equal(Object.keys(source).length, 4);
        assert.deepEqual(restored, source);
    });

    it("db-restore by id reads that backup, not the latest one", async () => {
        await servers.pg.query("mlflow", "INSERT INTO registry.registered_models VALUES ('added-after-first-dump', NULL)");
        const second = await runInProcess(["db-dump"], env);
        assert.equal(second.code, 0, second.stderr);
        await servers.pg.createDatabase("by_id");
        const result = await runInProcess(["db-restore", "--from", first.id, "--target-url", servers.pg.url("by_id")], env);
        assert.equal(result.code, 0, result.stderr);
        const rows = await servers.pg.query("by_id", "SELECT count(*)::int AS n FROM registry.registered_models");
        assert.deepEqual(rows, [{ n: 2 }]);
    });

    it("db-restore takes the target from TARGET_DATABASE_URL, as the restore Job passes it", async () => {
        await servers.pg.createDatabase("from_env");
        const result = await runInProcess(["db-restore", "--from", first.id], { ...env, TARGET_DATABASE_URL: servers.pg.url("from_env") });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(await tableFingerprints(servers.pg, "from_env"), await tableFingerprints(servers.pg, "restored"));
    });

    describe("a corrupted dump object", () => {
        let corrupted: Manifest;
        before(async () => {
            const result = await runInProcess(["db-dump"], env);
            assert.equal(result.code, 0, result.stderr);
            const latest = JSON.parse(await pointer()) as { manifest: string };
            corrupted = JSON.parse(await readText(servers.s3, servers.bucket, latest.manifest)) as Manifest;
            const dump = await readBytes(servers.s3, servers.bucket, corrupted.key);
            dump[Math.floor(dump.length / 2)] ^= 0xff;
            await servers.s3.send(new PutObjectCommand({ Bucket: servers.bucket, Key: corrupted.key, Body: dump }));
        });

        it("fails verify with a checksum error", async () => {
            const before = await pointer();
            const result = await runInProcess(["verify", "--from", corrupted.id], env);
            assertOneLineFailure(
                result,
                new RegExp(
                    `^error: verify: checksum mismatch for s3://${servers.bucket}/${corrupted.key}: manifest says sha256 ${corrupted.sha256}`,
                ),
            );
            assert.equal(await pointer(), before);
            const scratch = await servers.pg.query("postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'backup_verify_%'");
            assert.deepEqual(scratch, [], "the scratch database is dropped after a failure too");
        });

        it("fails db-restore with a checksum error and restores nothing", async () => {
            await servers.pg.createDatabase("from_corrupted");
            const result = await runInProcess(
                ["db-restore", "--from", corrupted.id, "--target-url", servers.pg.url("from_corrupted")],
                env,
            );
            assertOneLineFailure(
                result,
                new RegExp(`^error: db-restore: checksum mismatch for s3://${servers.bucket}/test/db/.*/mlflow\\.dump`),
            );
            assert.deepEqual(await tableFingerprints(servers.pg, "from_corrupted"), {});
        });

        it("passes verify for an intact backup (the check is not always failing)", async () => {
            const result = await runInProcess(["verify", "--from", first.id], env);
            assert.equal(result.code, 0, result.stderr);
        });
    });

    describe("failures exit non-zero with one line and leave latest.json as it was", () => {
        let before: string;
        beforeEach(async () => {
            before = await pointer();
        });
        afterEach(async () => {
            assert.equal(await pointer(), before, "latest.json moved");
        });

        it("database unreachable: names the database, never the password", async () => {
            const port = await freePort();
            const url = `postgresql://mlflow:S3cret-Pa55@127.0.0.1:${port}/mlflow`;
            const result = await runInProcess(["db-dump"], { ...env, DATABASE_URL: url });
            assertOneLineFailure(
                result,
                new RegExp(`^error: db-dump: cannot connect to database 127\\.0\\.0\\.1:${port}/mlflow: .*ECONNREFUSED`),
            );
            assert.doesNotMatch(result.stderr, /S3cret-Pa55/);
        });

        it("a table locked by another session: pg_dump gives up after --lock-wait-timeout, not at the Job's deadline", async () => {
            // https://www.postgresql.org/docs/15/app-pgdump.html: --lock-wait-timeout "Do not wait forever to
            // acquire shared table locks at the beginning of the dump. Instead fail if unable to lock a table within the specified timeout."
            const migration = new Client({ connectionString: servers.pg.url("mlflow") });
            await migration.connect();
            try {
                await migration.query("BEGIN; LOCK TABLE runs IN ACCESS EXCLUSIVE MODE");
                const started = Date.now();
                const result = await runInProcess(["db-dump"], { ...env, PG_LOCK_WAIT_TIMEOUT: "1s" });
                assertOneLineFailure(result, /^error: db-dump: .*(canceling statement due to lock timeout|could not obtain lock)/);
                assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
            } finally {
                await migration.query("ROLLBACK").catch(() => undefined);
                await migration.end();
            }
            const uploads = await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }));
            assert.deepEqual(uploads.Uploads ?? [], []);
        });

        it("a database without user tables (a mistyped name): refused, nothing uploaded", async () => {
            await servers.pg.createDatabase("mlfow");
            const result = await runCli(["db-dump"], { ...env, DATABASE_URL: servers.pg.url("mlfow") });
            assertOneLineFailure(
                result,
                /^error: db-dump: database 127\.0\.0\.1:\d+\/(t[0-9a-f]{8}_)?mlfow has no user tables: nothing backed up, latest unchanged .*--allow-empty/,
            );
            const uploads = await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }));
            assert.deepEqual(uploads.Uploads ?? [], []);
        });

        it("a malformed PG_LOCK_WAIT_TIMEOUT is a setting error (exit 2)", async () => {
            const result = await runInProcess(["db-dump"], { ...env, PG_LOCK_WAIT_TIMEOUT: "five minutes" });
            assertOneLineFailure(result, /^error: db-dump: PG_LOCK_WAIT_TIMEOUT: expected a duration such as 5min/, 2);
        });

        it("wrong password: the server's refusal, masked", async () => {
            const url = servers.pg.url("mlflow").replace(servers.pg.password, "wrong-password");
            const result = await runInProcess(["db-dump"], { ...env, DATABASE_URL: url });
            assertOneLineFailure(
                result,
                /^error: db-dump: cannot connect to database 127\.0\.0\.1:\d+\/(?:t[0-9a-f]{8}_)?mlflow: .*password authentication failed/,
            );
            assert.doesNotMatch(result.stderr, /wrong-password/);
        });

        it("bucket missing", async () => {
            const result = await runInProcess(["db-dump"], { ...env, BACKUP_BUCKET: "no-such-backup-bucket" });
            assertOneLineFailure(
                result,
                /^error: db-dump: upload to s3:\/\/no-such-backup-bucket\/test\/db\/.*\/mlflow\.dump failed: NoSuchBucket/,
            );
        });

        it("pg_dump failing part way: the multipart upload is aborted and no dump object appears", async () => {
            // A pg_dump that writes 20 MiB (three parts' worth) and then fails, as a dump cut off by a server crash would.
            const bin = mkdtempSync(join(tmpdir(), "fake-pg-"));
            try {
                writeFileSync(
                    join(bin, "pg_dump"),
                    "#!/bin/sh\nhead -c 20971520 /dev/urandom\necho 'pg_dump: error: connection to server lost' >&2\nexit 1\n",
                );
                chmodSync(join(bin, "pg_dump"), 0o755);
                symlinkSync(join(pgBinDir, "pg_restore"), join(bin, "pg_restore"));
                const result = await runInProcess(["db-dump"], { ...env, PG_BIN_DIR: bin });
                assertOneLineFailure(result, /^error: db-dump: pg_dump exited with code 1: pg_dump: error: connection to server lost$/);
            } finally {
                rmSync(bin, { recursive: true, force: true });
            }
            const uploads = await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }));
            assert.deepEqual(uploads.Uploads ?? [], [], "no multipart upload left behind");
            const latest = JSON.parse(before) as { id: string };
            const listed = await servers.s3.send(
                new (await import("@aws-sdk/client-s3")).ListObjectsV2Command({ Bucket: servers.bucket, Prefix: "test/db/" }),
            );
            const dumps = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith("mlflow.dump"));
            const manifests = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith("manifest.json"));
            assert.equal(dumps.length, manifests.length, "every dump object has its manifest");
            assert.ok(manifests.includes(`test/db/${latest.id}/manifest.json`));
        });

        it("backup object missing", async () => {
            const result = await runInProcess(
                ["db-restore", "--from", "20000101T000000Z-dead", "--target-url", servers.pg.url("restored")],
                env,
            );
            assertOneLineFailure(
                result,
                new RegExp(
                    `^error: db-restore: db manifest s3://${servers.bucket}/test/db/20000101T000000Z-dead/manifest\\.json not found$`,
                ),
            );
        });

        it("pg_restore failing part way: the target is left as it was (one transaction)", async () => {
            await servers.pg.createDatabase("conflicting");
            await servers.pg.query("conflicting", "CREATE TABLE metrics (conflict int); INSERT INTO metrics VALUES (1)");
            const result = await runInProcess(["db-restore", "--from", first.id, "--target-url", servers.pg.url("conflicting")], env);
            assertOneLineFailure(
                result,
                /^error: db-restore: restoring s3:\/\/.*\/mlflow\.dump into database 127\.0\.0\.1:\d+\/(?:t[0-9a-f]{8}_)?conflicting: pg_restore exited with code 1: .*already exists/,
            );
            const tables = await tableFingerprints(servers.pg, "conflicting");
            assert.deepEqual(Object.keys(tables), ["public.metrics"], "nothing of the dump was committed");
        });

        it("target database unreachable", async () => {
            const port = await freePort();
            const result = await runInProcess(["db-restore", "--target-url", `postgresql://u:hunter2@127.0.0.1:${port}/x`], env);
            assertOneLineFailure(result, /^error: db-restore: cannot connect to database 127\.0\.0\.1:\d+\/x/);
            assert.doesNotMatch(result.stderr, /hunter2/);
        });

        it("BACKUP_BUCKET unset", async () => {
            const { BACKUP_BUCKET: _omitted, ...rest } = env;
            const result = await runCli(["db-dump"], rest);
            // A missing setting is an environment error: exit 2 (src/cli/command.ts), still one line.
            assertOneLineFailure(result, /^error: db-dump: BACKUP_BUCKET: not set/, 2);
        });
    });

    it("db-dump --allow-empty records a database without user tables as a backup (the flag is the only way)", async () => {
        await servers.pg.createDatabase("fresh");
        const result = await runCli(["db-dump", "--allow-empty"], { ...env, DATABASE_URL: servers.pg.url("fresh") });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /, 0 tables; latest -> /);
        // latest now names an empty backup: the next cases read their backups by id or dump afresh.
        const restored = await runCli(["db-dump"], env);
        assert.equal(restored.code, 0, restored.stderr);
    });

    it("bad usage exits 2 with one line and the usage line; --help prints usage, options and an example", async () => {
        const result = await runCli(["db-restore", "--from", "latest"], env);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /^error: db-restore: --target-url \(or TARGET_DATABASE_URL\) is required\n$/);
        const unknown = await runInProcess(["dump-everything"], env);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^error: unknown command "dump-everything"\n$/);
        const option = await runInProcess(["db-dump", "--form", "latest"], env);
        assert.equal(option.code, 2);
        assert.match(
            option.stderr,
            /^error: Unknown option '--form' \(did you mean --from\?\)\nusage: npm run --silent backup -- <command> \[options\]/,
        );
        const misplaced = await runInProcess(["verify", "--allow-empty"], env);
        assert.equal(misplaced.code, 2);
        assert.match(misplaced.stderr, /^error: --allow-empty: only for db-dump and models, not verify\n$/);
        const help = await runCli(["--help"], {});
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^usage: npm run --silent backup -- <command> \[options\]\n/);
        for (const text of ["db-dump", "models-restore", "--from latest|ID", "--allow-empty", "examples:", "exit codes:"])
            assert.ok(help.stdout.includes(text), text);
    });

    it("leaves no object outside the documented layout", async () => {
        assert.ok(await exists(servers.s3, servers.bucket, pointerKey));
    });
});
