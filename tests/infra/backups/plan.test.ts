// The backups as the real program declares them, per stack (the components' own cases are in components.test.ts).
import { strict as assert } from "node:assert";
import { at, plan, resource, resourcesOf, stacks } from "../../helpers/plan";

describe("infra/backups in the stacks", () => {
    for (const stack of stacks) {
        it(`${stack}: schedules db, models and config daily and verify weekly`, async () => {
            const cronJobs = resourcesOf(await plan(stack), "kubernetes:batch/v1:CronJob");
            const byName: Record<string, any> = Object.fromEntries(cronJobs.map((c) => [at(c.inputs, "metadata.name"), c.inputs]));
            assert.deepEqual(Object.keys(byName).sort(), ["backup-config", "backup-db", "backup-models", "backup-verify"]);
            for (const name of ["backup-db", "backup-models", "backup-config"])
                assert.match(byName[name].spec.schedule, /^\d+ \d+ \* \* \*$/, name);
            assert.match(byName["backup-verify"].spec.schedule, /^\d+ \d+ \* \* \d$/);
            for (const job of Object.values(byName)) {
                assert.equal(job.spec.concurrencyPolicy, "Forbid");
                assert.ok(job.spec.startingDeadlineSeconds > 0);
                assert.ok(job.spec.jobTemplate.spec.ttlSecondsAfterFinished > 0);
                assert.ok(job.spec.jobTemplate.spec.activeDeadlineSeconds > 0);
            }
        });
    }

    it("production: the backup bucket has every protection", async () => {
        const p = await plan("production");
        const lock = resource(p, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "backups").inputs;
        assert.equal(at(lock, "rule.defaultRetention.mode"), "GOVERNANCE");
        assert.equal(resource(p, "aws:s3/bucket:Bucket", "backups").inputs.objectLockEnabled, true);
        const rules = resource(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups").inputs.rules as any[];
        for (const prefix of ["db/", "models/", "config/"]) {
            const rule = rules.find((r) => String(at(r, "filter.prefix")).endsWith(prefix));
            assert.ok(rule, `a lifecycle rule for ${prefix}`);
            assert.deepEqual(
                rule.transitions.map((t: any) => [t.days, t.storageClass]),
                [
                    [30, "STANDARD_IA"],
                    [90, "GLACIER"],
                ],
            );
            assert.equal(rule.expiration.days, 365);
        }
        assert.ok(rules.some((r) => at(r, "abortIncompleteMultipartUpload.daysAfterInitiation") === 7));
        assert.ok(resource(p, "aws:s3/bucketLogging:BucketLogging", "backups"));
        assert.ok(resourcesOf(p, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length === 1);
        const policy = JSON.parse(String(resource(p, "aws:s3/bucketPolicy:BucketPolicy", "backups").inputs.policy));
        assert.ok(policy.Statement.some((s: any) => s.Effect === "Deny" && JSON.stringify(s).includes("s3:x-amz-server-side-encryption")));
    });

    it("staging: no Object Lock and no replica", async () => {
        const p = await plan("staging");
        // The only locked bucket in staging is the incident evidence bucket (infra/security).
        assert.deepEqual(
            resourcesOf(p, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").map((r) => r.name),
            ["security-evidence"],
        );
        assert.equal(resourcesOf(p, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 0);
    });

    it("a DR stack restores before MLflow starts", async () => {
        const restore = { from: { db: "latest", models: "20261125T014500Z-9c1d" }, bucket: "backups-source", prefix: "production" };
        const p = await plan("staging", { overrides: { backups: { restore } } });
        const job = resourcesOf(p, "kubernetes:batch/v1:Job").find((j) => String(at(j.inputs, "metadata.name")).includes("restore"));
        assert.ok(job, "a restore Job");
        assert.equal(
            (await plan("staging")).resources.some((r) => r.type === "pneumonia:backups:RestoreJob"),
            false,
        );
    });
});
