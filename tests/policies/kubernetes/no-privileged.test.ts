import * as assert from "node:assert/strict";
import { messages } from "../check";
import { backupCronJob, deployment, edit } from "../factory";
import { assertFlags, firstContainer } from "./workloads";

describe("kubernetes/no-privileged", () => {
    it("passes every workload kind, flags a privileged container", async () => {
        await assertFlags("kubernetes-no-privileged", (c) => (c.securityContext.privileged = true), /runs privileged/);
    });

    it("checks init containers and CronJob pod templates too", async () => {
        const init = edit(deployment("detector"), (p) => {
            p.spec.template.spec.initContainers = [{ ...firstContainer(p), name: "migrate", securityContext: { privileged: true } }];
        });
        assert.deepEqual(await messages("kubernetes-no-privileged", [init]), [
            'Deployment pneumonia/detector: init container "migrate" runs privileged',
        ]);
        const cron = edit(
            backupCronJob("db"),
            (p) => (p.spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged = true),
        );
        assert.deepEqual(await messages("kubernetes-no-privileged", [cron]), [
            'CronJob pneumonia/backup-db: container "backup" runs privileged',
        ]);
    });
});
