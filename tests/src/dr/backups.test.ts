// The drill's reader of backups against an S3 API (moto_server): the latest manifests the backup
// runner commits (BackupStore.commit), and an object count that follows ListObjectsV2's
// pagination (at most 1,000 keys per page: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
import assert from "node:assert/strict";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { BackupStore, completedManifest } from "../../../src/backup/store";
import { s3BackupReader } from "../../../src/dr/backups";
import { startOrAttachMoto } from "../../../scripts/servers/backup";
import type { MotoServer } from "../../../scripts/servers/moto";

describe("dr-drill backup reader (moto)", function () {
    this.timeout(120_000);
    let moto: MotoServer;
    const env = () => ({ ...moto.env, AWS_REGION: "eu-west-1" });

    // The reader takes the operator's credentials from the SDK's default chain (the environment here).
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    before(async () => {
        moto = await startOrAttachMoto();
        process.env.AWS_ACCESS_KEY_ID = moto.env.AWS_ACCESS_KEY_ID;
        process.env.AWS_SECRET_ACCESS_KEY = moto.env.AWS_SECRET_ACCESS_KEY;
        for (const bucket of ["backups-source", "mlflow-artifacts-drill"])
            await moto.client().send(new CreateBucketCommand({ Bucket: bucket }));
    });
    after(async () => {
        for (const [name, value] of [
            ["AWS_ACCESS_KEY_ID", saved.id],
            ["AWS_SECRET_ACCESS_KEY", saved.secret],
        ] as const) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        await moto?.stop();
    });

    it("reads the latest db and models manifests the runner committed, and fails when there is none", async () => {
        const reader = s3BackupReader(env());
        await assert.rejects(
            reader.latest({ bucket: "backups-source", prefix: "production" }),
            /^BackupError: latest (db|models) pointer s3:\/\/backups-source\/production\/(db|models)\/latest\.json not found$/,
        );
        const store = new BackupStore(
            { region: "eu-west-1", endpoint: moto.endpoint, bucket: "backups-source", prefix: "production" },
            moto.client(),
        );
        const sha = "a".repeat(64);
        const at = new Date("2026-11-27T01:15:00Z");
        await store.commit(
            completedManifest("db", "20261127T011500Z-abcd", "production/db/x/db.dump", { size: 10 }, sha, at, {
                tables: { "public.runs": 12 },
            }),
        );
        await store.commit(
            completedManifest("models", "20261127T014500Z-beef", "production/models/x/models.tar.gz", { size: 10 }, sha, at, {
                objects: 57,
            }),
        );
        assert.deepEqual(await reader.latest({ bucket: "backups-source", prefix: "production" }), {
            db: { id: "20261127T011500Z-abcd", tables: { "public.runs": 12 }, takenAt: "2026-11-27T01:15:00.000Z" },
            models: { id: "20261127T014500Z-beef", objects: 57, takenAt: "2026-11-27T01:15:00.000Z" },
        });
    });

    it("counts every object under the prefix across pages, and nothing outside it", async () => {
        const client = moto.client();
        const put = (key: string) => client.send(new PutObjectCommand({ Bucket: "mlflow-artifacts-drill", Key: key, Body: "x" }));
        const keys = Array.from({ length: 1001 }, (_, i) => `mlflow/1/run-${i}/artifacts/model.pkl`);
        for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map(put));
        await put("mlflow-other/outside.txt");
        await put("elsewhere.txt");
        assert.equal(await s3BackupReader(env()).countObjects({ bucket: "mlflow-artifacts-drill", prefix: "mlflow" }), 1001);
    });
});
