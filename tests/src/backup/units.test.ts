// In-process checks of the runner's small pieces: masking, ids, settings, the exposition text.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseConfigObjects } from "../../../src/backup/cluster-config";
import { describeError, maskSecrets } from "../../../src/backup/errors";
import { exposition } from "../../../src/backup/metrics";
import { clientConfig } from "../../../src/backup/postgres";
import { readSettings, runnerNodeOptions } from "../../../src/backup/settings";
import { newBackupId } from "../../../src/backup/store";
import { digestOf, VerifiedStream } from "../../../src/backup/streams";

describe("backup runner units", () => {
    it("masks the password of every URL in a message", () => {
        assert.equal(
            maskSecrets("cannot reach postgresql://mlflow:p%40ss@db:5432/mlflow or https://u:tok@example.com/x"),
            "cannot reach postgresql://mlflow:***@db:5432/mlflow or https://u:***@example.com/x",
        );
        assert.equal(maskSecrets("postgresql://mlflow@db/mlflow"), "postgresql://mlflow@db/mlflow");
        assert.equal(describeError(new Error("bad postgres://a:b@c/d\nsecond line")), "bad postgres://a:***@c/d second line");
    });

    it("makes sortable, unique backup ids", () => {
        const id = newBackupId(new Date("2026-11-27T20:15:07.123Z"));
        assert.match(id, /^20261127T201507Z-[0-9a-f]{4}$/);
        assert.ok(newBackupId(new Date("2026-11-28T00:00:00Z")) > id);
    });

    it("reads settings from the environment, naming the variable that is wrong", () => {
        const base = { AWS_REGION: "eu-west-1", BACKUP_BUCKET: "backups-abc" };
        assert.deepEqual(readSettings({ ...base, BACKUP_PREFIX: "/prod/", AWS_ENDPOINT_URL_S3: "http://minio:9000/" }), {
            region: "eu-west-1",
            endpoint: "http://minio:9000",
            bucket: "backups-abc",
            prefix: "prod",
            kmsKeyId: undefined,
            pushgatewayUrl: undefined,
        });
        assert.throws(() => readSettings({ AWS_REGION: "eu-west-1" }), /^SettingsError: BACKUP_BUCKET: not set/);
        assert.throws(() => readSettings({ BACKUP_BUCKET: "backups-abc" }), /AWS_REGION: not set/);
        assert.throws(
            () => readSettings({ ...base, BACKUP_BUCKET: "Bad_Bucket" }),
            /BACKUP_BUCKET: "Bad_Bucket" is not a valid bucket name/,
        );
        assert.throws(() => readSettings({ ...base, PUSHGATEWAY_URL: "pushgateway:9091" }), /PUSHGATEWAY_URL: expected an http\(s\) URL/);
    });

    it("keeps libpq's meaning of sslmode for node-postgres without a root certificate", () => {
        assert.deepEqual(clientConfig("postgresql://u:p@h:5432/d?sslmode=require", {}).ssl, { rejectUnauthorized: false });
        assert.equal(clientConfig("postgresql://u:p@h:5432/d?sslmode=verify-full", {}).ssl, true);
        assert.equal(clientConfig("postgresql://u:p@h:5432/d?sslmode=disable", {}).ssl, false);
        assert.doesNotMatch(clientConfig("postgresql://u:p@h:5432/d?sslmode=require", {}).connectionString!, /sslmode/);
    });

    it("verifies in full against PGSSLROOTCERT when one is set, and names it when it cannot be read", () => {
        const dir = mkdtempSync(join(tmpdir(), "rootcert-"));
        try {
            const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
            writeFileSync(join(dir, "ca.pem"), pem);
            const env = { PGSSLROOTCERT: join(dir, "ca.pem") };
            assert.deepEqual(clientConfig("postgresql://u:p@h:5432/d?sslmode=require", env).ssl, { ca: pem, rejectUnauthorized: true });
            assert.equal(clientConfig("postgresql://u:p@h:5432/d?sslmode=disable", env).ssl, false, "no TLS asked, none forced");
            assert.throws(
                () => clientConfig("postgresql://u:p@h:5432/d?sslmode=require", { PGSSLROOTCERT: join(dir, "missing.pem") }),
                /^SettingsError: PGSSLROOTCERT: cannot read .*missing\.pem/,
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the image runs the runner with the Node options the benchmark measured", () => {
        const dockerfile = readFileSync(join(__dirname, "../../../images/backup/Dockerfile"), "utf8");
        assert.match(dockerfile, new RegExp(`^\\s*NODE_OPTIONS=${runnerNodeOptions} \\\\$`, "m"));
    });

    it("parses CONFIG_OBJECTS and rejects anything but secrets and configmaps", () => {
        assert.deepEqual(parseConfigObjects("pneumonia/secrets/a, monitoring/configmaps/b"), [
            { namespace: "pneumonia", kind: "secrets", name: "a" },
            { namespace: "monitoring", kind: "configmaps", name: "b" },
        ]);
        assert.throws(() => parseConfigObjects(""), /CONFIG_OBJECTS: not set/);
        assert.throws(() => parseConfigObjects("pneumonia/secrets"), /got "pneumonia\/secrets"/);
        assert.throws(() => parseConfigObjects("pneumonia/secrets/a/b"), /got "pneumonia\/secrets\/a\/b"/);
    });

    it("renders the freshness gauges of the monitoring contract", () => {
        const startedAt = new Date("2026-11-27T02:00:00Z");
        const finishedAt = new Date("2026-11-27T02:01:30Z");
        const ok = exposition({ kind: "db", ok: true, startedAt, finishedAt, sizeBytes: 1234 });
        assert.match(
            ok,
            /^# TYPE pneumonia_backup_last_success_timestamp_seconds gauge\npneumonia_backup_last_success_timestamp_seconds 1795744890\.000$/m,
        );
        assert.match(ok, /^pneumonia_backup_last_duration_seconds 90\.000$/m);
        assert.match(ok, /^pneumonia_backup_last_size_bytes 1234$/m);
        const failed = exposition({ kind: "db", ok: false, startedAt, finishedAt });
        assert.match(failed, /^pneumonia_backup_last_failure_timestamp_seconds 1795744890\.000$/m);
        assert.doesNotMatch(failed, /success|size/);
    });

    describe("VerifiedStream", () => {
        const data = [Buffer.from("first chunk "), Buffer.from("second chunk "), Buffer.from("last chunk")];
        const expected = async () => digestOf(Readable.from(data));

        it("passes every byte through when the checksum matches", async () => {
            const out: Buffer[] = [];
            await pipeline(Readable.from(data), new VerifiedStream(await expected(), "x"), async (source) => {
                for await (const chunk of source) out.push(chunk as Buffer);
            });
            assert.equal(Buffer.concat(out).toString(), "first chunk second chunk last chunk");
        });

        it("withholds the last chunk and fails when the checksum differs", async () => {
            const out: Buffer[] = [];
            const wrong = { ...(await expected()), sha256: "0".repeat(64) };
            const sink = new Writable({
                write(chunk: Buffer, _encoding, callback) {
                    out.push(chunk);
                    callback();
                },
            });
            await assert.rejects(
                pipeline(Readable.from(data), new VerifiedStream(wrong, "s3://b/k"), sink),
                /checksum mismatch for s3:\/\/b\/k/,
            );
            assert.equal(Buffer.concat(out).toString(), "first chunk second chunk ");
        });
    });
});
