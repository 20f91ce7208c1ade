import { assertFlags } from "./workloads";

describe("kubernetes/resources", () => {
    it("passes every workload kind, flags a container without limits", async () => {
        await assertFlags(
            "kubernetes-resources",
            (c) => delete c.resources.limits,
            /has no resources\.limits\.cpu, resources\.limits\.memory/,
        );
    });
    it("passes every workload kind, flags a request above its limit", async () => {
        await assertFlags(
            "kubernetes-resources",
            (c) => (c.resources.requests.memory = "2Gi"),
            /requests more memory \(2Gi\) than its limit \(1Gi\)/,
        );
    });
});
