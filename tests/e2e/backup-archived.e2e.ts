// Backups the lifecycle moved to an archive storage class (GLACIER at 90 days, infra/backups/bucket.ts),
// against moto_server, which implements S3's behaviour for them: GetObject answers InvalidObjectState
// until RestoreObject has made a copy, and HeadObject's x-amz-restore reads ongoing-request="true"
// while the restore runs, then ongoing-request="false" with its expiry
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_RestoreObject.html, API_HeadObject.html).
// moto's state manager (model s3::keyrestore, progression "time") makes the restore take a second.
import { CopyObjectCommand, HeadObjectCommand, RestoreObjectCommand, type StorageClass } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { BackupStore, ensureBackupsReadable } from "../../src/backup/store";
import { tableFingerprints } from "../../scripts/servers/postgres";
import { mlflowFixture, readText, runCli, startServers, type Servers } from "../src/backup/harness";

interface Manifest {
    id: string;
    key: string;
}

describe("backup runner: backups in an archive storage class (moto_server)", function () {
    this.timeout(120_000);
    let servers: Servers;
    let env: Record<string, string>;

    before(async () => {
        servers = await startServers();
        env = servers.env;
        await servers.pg.query("mlflow", mlflowFixture);
        const transition = await fetch(`${servers.moto.endpoint}/moto-api/state-manager/set-transition`, {
            method: "POST",
            body: JSON.stringify({ model_name: "s3::keyrestore", transition: { progression: "time", seconds: 1 } }),
        });
        assert.equal(transition.status, 201);
    });
    after(async () => servers?.stop());

    /** A fresh dump, then moved to `storageClass` as the lifecycle would (an in-place copy). */
    async function archivedDump(storageClass: StorageClass): Promise<Manifest> {
        const dump = await runCli(["db-dump"], env);
        assert.equal(dump.code, 0, dump.stderr);
        const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/db/latest.json")) as { manifest: string };
        const manifest = JSON.parse(await readText(servers.s3, servers.bucket, latest.manifest)) as Manifest;
        await servers.s3.send(
            new CopyObjectCommand({
                Bucket: servers.bucket,
                Key: manifest.key,
                CopySource: `${servers.bucket}/${manifest.key}`,
                StorageClass: storageClass,
                MetadataDirective: "COPY",
            }),
        );
        // moto's timed restore counts from the object's creation: let that second pass first.
        await new Promise((r) => setTimeout(r, 1200));
        return manifest;
    }

    const head = (key: string) => servers.s3.send(new HeadObjectCommand({ Bucket: servers.bucket, Key: key }));

    describe("db-restore of a DEEP_ARCHIVE dump", () => {
        let manifest: Manifest;
        before(async () => {
            manifest = await archivedDump("DEEP_ARCHIVE");
        });

        it("RESTORE_WAIT=0: requests the restore and fails saying how long it takes and how to finish", async () => {
            await servers.pg.createDatabase("from_deep_archive");
            // Expedited is not offered for DEEP_ARCHIVE: the runner asks for Standard, the fastest there is.
            const result = await runCli(["db-restore", "--from", manifest.id, "--target-url", servers.pg.url("from_deep_archive")], {
                ...env,
                RESTORE_WAIT: "0",
                RESTORE_TIER: "Expedited",
            });
            assert.equal(result.code, 1, result.stderr);
            assert.equal(result.stdout, "");
            const lines = result.stderr.trim().split("\n");
            assert.equal(
                lines[0],
                `s3://${servers.bucket}/${manifest.key} is in DEEP_ARCHIVE: restore requested (Standard retrieval, typically within 12 hours); waiting up to 0 s`,
            );
            assert.equal(
                lines.at(-1),
                `error: db-restore: s3://${servers.bucket}/${manifest.key} is in DEEP_ARCHIVE and its restore (Standard retrieval, typically within 12 hours) has not finished after 0 s: ` +
                    `run the same command again once \`aws s3api head-object --bucket ${servers.bucket} --key ${manifest.key}\` shows ongoing-request="false", or set RESTORE_WAIT to wait longer`,
            );
            assert.match((await head(manifest.key)).Restore ?? "", /ongoing-request="true"/, "the restore was requested");
            assert.deepEqual(await tableFingerprints(servers.pg, "from_deep_archive"), {});
        });

        it("waits for a restore someone else started, with progress, then restores the data", async () => {
            manifest = await archivedDump("DEEP_ARCHIVE");
            await servers.s3.send(
                new RestoreObjectCommand({
                    Bucket: servers.bucket,
                    Key: manifest.key,
                    RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: "Bulk" } },
                }),
            );
            await servers.pg.createDatabase("after_wait");
            const result = await runCli(["db-restore", "--from", manifest.id, "--target-url", servers.pg.url("after_wait")], {
                ...env,
                RESTORE_WAIT: "60s",
                RESTORE_POLL_INTERVAL: "1s",
            });
            assert.equal(result.code, 0, result.stderr);
            assert.equal(
                result.stdout,
                `db-restore: restored db/${manifest.id} (sha256 ${(JSON.parse(await readText(servers.s3, servers.bucket, `test/db/${manifest.id}/manifest.json`)) as { sha256: string }).sha256} checked)\n`,
            );
            assert.match(
                result.stderr,
                /is in DEEP_ARCHIVE: a restore is already under way \(Standard retrieval, typically within 12 hours\); waiting up to 1 min\n/,
            );
            assert.match(result.stderr, /: restored from DEEP_ARCHIVE after \d+ s\n$/);
            assert.deepEqual(await tableFingerprints(servers.pg, "after_wait"), await tableFingerprints(servers.pg, "mlflow"));
        });
    });

    it("verify of a GLACIER dump requests the restore, waits, then checks it", async () => {
        const manifest = await archivedDump("GLACIER");
        const result = await runCli(["verify", "--from", manifest.id], { ...env, RESTORE_WAIT: "60s", RESTORE_POLL_INTERVAL: "1s" });
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^verify: db/${manifest.id} OK`));
        assert.match(result.stderr, /is in GLACIER: restore requested \(Standard retrieval, typically 3–5 hours\); waiting up to 1 min\n/);
    });

    it("a malformed RESTORE_WAIT is a setting error (exit 2)", async () => {
        const manifest = await archivedDump("GLACIER");
        const result = await runCli(["verify", "--from", manifest.id], { ...env, RESTORE_WAIT: "a while" });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /^error: verify: RESTORE_WAIT: expected a duration such as 30s, 5min or 6h, got "a while"\n$/);
    });

    it("the drill's ensureBackupsReadable restores an archived backup it names by id, and passes a readable one at once", async () => {
        const manifest = await archivedDump("GLACIER");
        const lines: string[] = [];
        const store = new BackupStore(
            { region: env.AWS_REGION!, endpoint: servers.moto.endpoint, bucket: servers.bucket, prefix: "test" },
            servers.s3,
            (l) => lines.push(l),
            () => ({
                tier: "Standard",
                days: 1,
                waitSeconds: 60,
                pollSeconds: 1,
            }),
        );
        await ensureBackupsReadable(store, [{ kind: "db", id: manifest.id }]);
        assert.match(lines[0]!, /is in GLACIER: restore requested/);
        assert.match(lines.at(-1)!, /restored from GLACIER after/);
        assert.match((await head(manifest.key)).Restore ?? "", /ongoing-request="false"/);
        lines.length = 0;
        await ensureBackupsReadable(store, [{ kind: "db", id: manifest.id }]);
        assert.deepEqual(lines, [], "a restored copy is read as it is");
    });
});
