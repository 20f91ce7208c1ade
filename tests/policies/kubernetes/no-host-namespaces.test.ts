import { assertFlags } from "./workloads";

describe("kubernetes/no-host-namespaces", () => {
    it("passes every workload kind, flags hostPID", async () => {
        await assertFlags("kubernetes-no-host-namespaces", (_c, pod) => (pod.hostPID = true), /pod sets hostPID: true/);
    });
    it("passes every workload kind, flags hostNetwork", async () => {
        await assertFlags("kubernetes-no-host-namespaces", (_c, pod) => (pod.hostNetwork = true), /pod sets hostNetwork: true/);
    });
});
