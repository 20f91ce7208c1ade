import * as assert from "node:assert/strict";
import { messages } from "../check";
import { backupCronJob, deployment, edit, job } from "../factory";

describe("kubernetes/job-lifecycle", () => {
    it("passes the backup CronJob and a bounded Job, and ignores Deployments", async () => {
        assert.deepEqual(await messages("kubernetes-job-lifecycle", [backupCronJob("db"), job("setup"), deployment("detector")]), []);
    });
    it("flags overlapping runs, no starting deadline, no run deadline and no TTL", async () => {
        const loose = edit(backupCronJob("db"), (p) => {
            delete p.spec.concurrencyPolicy;
            delete p.spec.startingDeadlineSeconds;
            delete p.spec.jobTemplate.spec.activeDeadlineSeconds;
            delete p.spec.jobTemplate.spec.ttlSecondsAfterFinished;
        });
        assert.deepEqual(await messages("kubernetes-job-lifecycle", [loose]), [
            "CronJob pneumonia/backup-db: spec.concurrencyPolicy is unset (Allow): overlapping runs are allowed",
            "CronJob pneumonia/backup-db: spec.startingDeadlineSeconds is not set",
            "CronJob pneumonia/backup-db: spec.jobTemplate.spec.activeDeadlineSeconds is not set: a hung run is never stopped",
            "CronJob pneumonia/backup-db: spec.jobTemplate.spec.ttlSecondsAfterFinished is not set: finished Jobs are never cleaned up",
        ]);
        assert.equal(
            (await messages("kubernetes-job-lifecycle", [edit(job("setup"), (p) => delete p.spec.ttlSecondsAfterFinished)])).length,
            1,
        );
    });
});
