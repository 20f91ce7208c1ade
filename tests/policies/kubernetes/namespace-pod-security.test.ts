import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, namespace } from "../factory";

describe("kubernetes/namespace-pod-security", () => {
    it("passes a namespace enforcing restricted", async () => {
        assert.deepEqual(await messages("kubernetes-namespace-pod-security", [namespace("pneumonia")]), []);
    });
    it("flags a namespace enforcing less, or nothing", async () => {
        const baseline = edit(namespace("monitoring"), (p) => (p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"));
        const unlabelled = edit(namespace("default"), (p) => delete p.metadata.labels);
        assert.deepEqual(await messages("kubernetes-namespace-pod-security", [baseline, unlabelled]), [
            "Namespace monitoring: pod-security.kubernetes.io/enforce is baseline, expected restricted",
            "Namespace default: pod-security.kubernetes.io/enforce is unset, expected restricted",
        ]);
    });
    it("honours a reviewed exemption", async () => {
        const unlabelled = edit(namespace("kube-system"), (p) => delete p.metadata.labels);
        const exemptions = [{ resource: "kube-system", reason: "cluster add-ons need privileged pods" }];
        assert.deepEqual(await messages("kubernetes-namespace-pod-security", [unlabelled], { exemptions }), []);
    });
});
