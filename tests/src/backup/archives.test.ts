// models, models-restore and config against moto_server and a fake Kubernetes API on 127.0.0.1.
import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import * as tar from "tar-stream";
import { readBytes, readText, runCli, runInProcess, startServers, type Servers } from "./harness";

async function untar(archive: Buffer): Promise<Record<string, Buffer>> {
    const extract = tar.extract();
    const files: Record<string, Buffer> = {};
    Readable.from([archive])
        .pipe(createGunzip())
        .pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files[entry.header.name] = Buffer.concat(chunks);
    }
    return files;
}

async function listKeys(servers: Servers, bucket: string, prefix: string): Promise<string[]> {
    const out = await servers.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe("backup runner: models and config (moto_server)", function () {
    this.timeout(120_000);
    let servers: Servers;
    const artifacts = "mlflow-artifacts-test";
    const restoredBucket = "mlflow-artifacts-restored";
    const files: Record<string, Buffer> = {
        "1/abc/artifacts/model/model.pt": randomBytes(9 * 1024 * 1024),
        "1/abc/artifacts/model/MLmodel": Buffer.from("flavors:\n  pytorch: {}\n"),
        "2/def/artifacts/metrics.json": Buffer.from('{"auc": 0.97}'),
        "2/def/artifacts/empty.txt": Buffer.alloc(0),
    };
    let env: Record<string, string>;

    before(async () => {
        servers = await startServers();
        for (const bucket of [artifacts, restoredBucket]) await servers.s3.send(new CreateBucketCommand({ Bucket: bucket }));
        for (const [name, body] of Object.entries(files)) {
            await servers.s3.send(new PutObjectCommand({ Bucket: artifacts, Key: `mlflow/${name}`, Body: body }));
        }
        await servers.s3.send(new PutObjectCommand({ Bucket: artifacts, Key: "outside/not-a-model", Body: "x" }));
        env = { ...servers.env, MODELS_BUCKET: artifacts, MODELS_PREFIX: "mlflow" };
    });
    after(async () => servers?.stop());

    describe("models", () => {
        let manifest: { id: string; key: string; sha256: string; size: number; details: { objects: number; bytes: number } };

        it("archives every object under MODELS_PREFIX, then writes manifest and latest.json", async () => {
            const result = await runCli(["models"], env);
            assert.equal(result.code, 0, result.stderr);
            assert.match(
                result.stdout,
                new RegExp(
                    `^models: s3://${servers.bucket}/test/models/\\S+/models\\.tar\\.gz \\(\\d+ bytes, sha256 [0-9a-f]{64}\\), 4 objects; latest -> \\S+\\n$`,
                ),
            );
            const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/models/latest.json")) as { manifest: string };
            manifest = JSON.parse(await readText(servers.s3, servers.bucket, latest.manifest));
            assert.equal(manifest.details.objects, 4);
            assert.equal(
                manifest.details.bytes,
                Object.values(files).reduce((n, b) => n + b.length, 0),
            );
            const archive = await readBytes(servers.s3, servers.bucket, manifest.key);
            assert.equal(createHash("sha256").update(archive).digest("hex"), manifest.sha256);
            const archived = await untar(archive);
            assert.deepEqual(Object.keys(archived).sort(), Object.keys(files).sort());
            for (const [name, body] of Object.entries(files)) assert.ok(archived[name].equals(body), name);
        });

        it("models-restore writes the same objects into another bucket", async () => {
            const result = await runInProcess(
                ["models-restore", "--from", "latest", "--target-bucket", restoredBucket, "--target-prefix", "mlflow"],
                env,
            );
            assert.equal(result.code, 0, result.stderr);
            assert.equal(result.stdout, `models-restore: restored 4 objects from models/${manifest.id} (sha256 checked)\n`);
            assert.deepEqual(
                await listKeys(servers, restoredBucket, ""),
                Object.keys(files)
                    .map((k) => `mlflow/${k}`)
                    .sort(),
            );
            for (const [name, body] of Object.entries(files)) {
                assert.ok((await readBytes(servers.s3, restoredBucket, `mlflow/${name}`)).equals(body), name);
            }
        });

        it("a corrupted archive fails models-restore with a checksum error and writes nothing", async () => {
            const archive = await readBytes(servers.s3, servers.bucket, manifest.key);
            archive[archive.length - 100] ^= 0x01;
            await servers.s3.send(new PutObjectCommand({ Bucket: servers.bucket, Key: manifest.key, Body: archive }));
            const result = await runInProcess(
                ["models-restore", "--from", manifest.id, "--target-bucket", restoredBucket, "--target-prefix", "second"],
                env,
            );
            assert.equal(result.code, 1);
            assert.match(
                result.stderr,
                new RegExp(`^error: models-restore: checksum mismatch for s3://${servers.bucket}/test/models/.*/models\\.tar\\.gz`),
            );
            assert.deepEqual(await listKeys(servers, restoredBucket, "second/"), []);
        });

        it("a missing source bucket fails with one line, no upload left and the pointer unmoved", async () => {
            const before = await readText(servers.s3, servers.bucket, "test/models/latest.json");
            const result = await runInProcess(["models"], { ...env, MODELS_BUCKET: "no-such-artifacts" });
            assert.equal(result.code, 1);
            assert.match(result.stderr, /^error: models: listing s3:\/\/no-such-artifacts\/mlflow: NoSuchBucket/);
            assert.equal(result.stderr.trim().split("\n").length, 1);
            assert.equal(await readText(servers.s3, servers.bucket, "test/models/latest.json"), before);
            const uploads = await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }));
            assert.deepEqual(uploads.Uploads ?? [], []);
        });

        it("MODELS_BUCKET unset is named", async () => {
            const { MODELS_BUCKET: _omitted, ...rest } = env;
            const result = await runInProcess(["models"], rest);
            assert.equal(result.code, 2, "a setting error is exit 2");
            assert.match(result.stderr, /^error: models: MODELS_BUCKET: not set/);
        });

        it("an empty source (a MODELS_PREFIX that matches nothing) fails naming bucket and prefix; nothing written, latest unchanged", async () => {
            const before = await readText(servers.s3, servers.bucket, "test/models/latest.json");
            const keysBefore = await listKeys(servers, servers.bucket, "test/models/");
            const result = await runInProcess(["models"], { ...env, MODELS_PREFIX: "mlfow" });
            assert.equal(result.code, 1);
            assert.equal(result.stdout, "");
            assert.match(
                result.stderr,
                /^error: models: s3:\/\/mlflow-artifacts-test\/mlfow holds no objects: nothing backed up, latest unchanged .*--allow-empty.*\n$/,
            );
            assert.equal(await readText(servers.s3, servers.bucket, "test/models/latest.json"), before);
            assert.deepEqual(await listKeys(servers, servers.bucket, "test/models/"), keysBefore);
            const uploads = await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }));
            assert.deepEqual(uploads.Uploads ?? [], []);
        });

        it("--allow-empty records the empty source as a backup (the flag is the only way)", async () => {
            const result = await runInProcess(["models", "--allow-empty"], { ...env, MODELS_PREFIX: "mlfow" });
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /, 0 objects; latest -> \S+\n$/);
            const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/models/latest.json")) as { id: string };
            assert.notEqual(latest.id, manifest.id);
        });

        it("models-restore of an id that is not the latest restores that backup", async () => {
            const good = await runInProcess(["models"], env);
            assert.equal(good.code, 0, good.stderr);
            const id = /latest -> (\S+)\n$/.exec(good.stdout)![1];
            const empty = await runInProcess(["models", "--allow-empty"], { ...env, MODELS_PREFIX: "mlfow" });
            assert.equal(empty.code, 0, empty.stderr);
            const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/models/latest.json")) as { id: string };
            assert.notEqual(latest.id, id, "the good backup is no longer the latest");
            const result = await runInProcess(
                ["models-restore", "--from", id, "--target-bucket", restoredBucket, "--target-prefix", "by-id"],
                env,
            );
            assert.equal(result.code, 0, result.stderr);
            assert.equal(result.stdout, `models-restore: restored 4 objects from models/${id} (sha256 checked)\n`);
            assert.deepEqual(
                await listKeys(servers, restoredBucket, "by-id/"),
                Object.keys(files)
                    .map((k) => `by-id/${k}`)
                    .sort(),
            );
        });
    });

    describe("config (Kubernetes objects through the API)", () => {
        let api: Server;
        let apiUrl: string;
        const requests: { path: string; auth?: string }[] = [];
        const objects: Record<string, object> = {
            "/api/v1/namespaces/pneumonia/secrets/database-connection": {
                apiVersion: "v1",
                kind: "Secret",
                metadata: {
                    name: "database-connection",
                    namespace: "pneumonia",
                    uid: "u-1",
                    resourceVersion: "42",
                    managedFields: [{ manager: "pulumi" }],
                },
                data: { password: Buffer.from("generated-password").toString("base64") },
            },
            "/api/v1/namespaces/monitoring/configmaps/alertmanager-routes": {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "alertmanager-routes", namespace: "monitoring", creationTimestamp: "2026-01-01T00:00:00Z" },
                data: { "routes.yaml": "receiver: pagerduty\n" },
            },
        };

        before(async () => {
            api = createServer((req, res) => {
                requests.push({ path: req.url!, auth: req.headers.authorization });
                const body = objects[req.url!];
                res.writeHead(body ? 200 : 404, { "Content-Type": "application/json" });
                res.end(JSON.stringify(body ?? { kind: "Status", code: 404 }));
            });
            await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
            apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
        });
        after(() => new Promise<void>((r) => api.close(() => r())));

        it("archives exactly the named objects, stripped of server-owned fields", async () => {
            const result = await runInProcess(["config"], {
                ...env,
                KUBERNETES_API_URL: apiUrl,
                CONFIG_OBJECTS: "pneumonia/secrets/database-connection, monitoring/configmaps/alertmanager-routes",
            });
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /^config: .*config\.tar\.gz .*, 2 objects; latest -> \S+\n$/);
            assert.doesNotMatch(result.stdout + result.stderr, /generated-password|Z2VuZXJhdGVk/);
            const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/config/latest.json")) as { manifest: string };
            const manifestText = await readText(servers.s3, servers.bucket, latest.manifest);
            assert.doesNotMatch(manifestText, /Z2VuZXJhdGVk/, "values stay in the archive, not the manifest");
            const manifest = JSON.parse(manifestText) as { key: string; details: { objects: string[] } };
            assert.deepEqual(manifest.details.objects, [
                "pneumonia/secrets/database-connection",
                "monitoring/configmaps/alertmanager-routes",
            ]);
            const archived = await untar(await readBytes(servers.s3, servers.bucket, manifest.key));
            const secret = JSON.parse(archived["pneumonia/secrets/database-connection.json"].toString());
            assert.deepEqual(secret.metadata, { name: "database-connection", namespace: "pneumonia" });
            assert.equal(Buffer.from(secret.data.password, "base64").toString(), "generated-password");
            assert.ok(archived["monitoring/configmaps/alertmanager-routes.json"]);
        });

        it("a missing object fails with one line naming it, and the pointer stays", async () => {
            const before = await readText(servers.s3, servers.bucket, "test/config/latest.json");
            const result = await runInProcess(["config"], {
                ...env,
                KUBERNETES_API_URL: apiUrl,
                CONFIG_OBJECTS: "pneumonia/secrets/database-connection,pneumonia/secrets/gone",
            });
            assert.equal(result.code, 1);
            assert.equal(result.stderr, "error: config: reading secrets pneumonia/gone: HTTP 404 (not found)\n");
            assert.equal(await readText(servers.s3, servers.bucket, "test/config/latest.json"), before);
        });

        describe("freshness metrics on the Pushgateway", () => {
            let gateway: Server;
            let gatewayUrl: string;
            const pushes: { method: string; path: string; body: string }[] = [];
            before(async () => {
                gateway = createServer((req, res) => {
                    let body = "";
                    req.on("data", (c: Buffer) => (body += c.toString()));
                    req.on("end", () => {
                        pushes.push({ method: req.method!, path: req.url!, body });
                        res.writeHead(200).end();
                    });
                });
                await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", r));
                gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
            });
            after(() => new Promise<void>((r) => gateway.close(() => r())));
            beforeEach(() => void pushes.splice(0));

            it("a successful run pushes success time, duration and size for its kind", async () => {
                const started = Date.now() / 1000;
                const result = await runInProcess(["config"], {
                    ...env,
                    KUBERNETES_API_URL: apiUrl,
                    CONFIG_OBJECTS: "pneumonia/secrets/database-connection",
                    PUSHGATEWAY_URL: gatewayUrl,
                });
                assert.equal(result.code, 0, result.stderr);
                assert.equal(pushes.length, 1);
                assert.equal(pushes[0].method, "POST", "POST keeps the other gauges of the group");
                assert.equal(pushes[0].path, "/metrics/job/pneumonia-backup/kind/config");
                const success = Number(/^pneumonia_backup_last_success_timestamp_seconds (\S+)$/m.exec(pushes[0].body)?.[1]);
                assert.ok(success >= started && success <= Date.now() / 1000 + 1, pushes[0].body);
                assert.match(pushes[0].body, /^pneumonia_backup_last_duration_seconds \d+\.\d+$/m);
                assert.match(pushes[0].body, /^pneumonia_backup_last_size_bytes [1-9]\d*$/m);
                assert.doesNotMatch(pushes[0].body, /last_failure/);
            });

            it("a failed run pushes only the failure time and duration, and still exits 1", async () => {
                const result = await runInProcess(["config"], {
                    ...env,
                    KUBERNETES_API_URL: apiUrl,
                    CONFIG_OBJECTS: "pneumonia/secrets/gone",
                    PUSHGATEWAY_URL: gatewayUrl,
                });
                assert.equal(result.code, 1);
                assert.equal(pushes.length, 1);
                assert.match(pushes[0].body, /^pneumonia_backup_last_failure_timestamp_seconds \d+\.\d+$/m);
                assert.doesNotMatch(pushes[0].body, /last_success|last_size/);
            });

            it("an unreachable Pushgateway is a warning, not a failed backup", async () => {
                const result = await runInProcess(["config"], {
                    ...env,
                    KUBERNETES_API_URL: apiUrl,
                    CONFIG_OBJECTS: "pneumonia/secrets/database-connection",
                    PUSHGATEWAY_URL: "http://127.0.0.1:9",
                });
                assert.equal(result.code, 0);
                assert.match(
                    result.stderr,
                    /^warning: pushing backup metrics to http:\/\/127\.0\.0\.1:9\/metrics\/job\/pneumonia-backup\/kind\/config failed: /,
                );
            });
        });

        it("a malformed CONFIG_OBJECTS entry is named", async () => {
            const result = await runInProcess(["config"], {
                ...env,
                KUBERNETES_API_URL: apiUrl,
                CONFIG_OBJECTS: "pneumonia/pods/detector",
            });
            assert.equal(result.code, 2, "a setting error is exit 2");
            assert.equal(
                result.stderr,
                'error: config: CONFIG_OBJECTS: expected namespace/secrets|configmaps/name, got "pneumonia/pods/detector"\n',
            );
        });
    });
});
