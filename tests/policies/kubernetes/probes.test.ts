import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, job } from "../factory";
import { assertFlags } from "./workloads";

describe("kubernetes/probes", () => {
    it("passes every workload kind, flags a missing liveness probe", async () => {
        await assertFlags("kubernetes-probes", (c) => delete c.livenessProbe, /has no livenessProbe/);
    });

    it("does not ask Jobs for probes", async () => {
        const noProbes = edit(job("setup"), (p) => delete p.spec.template.spec.containers[0].readinessProbe);
        assert.deepEqual(await messages("kubernetes-probes", [noProbes]), []);
    });
});
