import { assertFlags } from "./workloads";

describe("kubernetes/run-as-non-root", () => {
    it("passes every workload kind, flags a container that may run as root", async () => {
        await assertFlags(
            "kubernetes-run-as-non-root",
            (c, pod) => {
                delete c.securityContext.runAsNonRoot;
                delete pod.securityContext.runAsNonRoot;
            },
            /does not set runAsNonRoot: true/,
        );
    });
    it("passes every workload kind, flags runAsUser 0", async () => {
        await assertFlags("kubernetes-run-as-non-root", (c) => (c.securityContext.runAsUser = 0), /sets runAsUser 0/);
    });
});
