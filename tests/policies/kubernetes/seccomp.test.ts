import { assertFlags } from "./workloads";

describe("kubernetes/seccomp", () => {
    it("passes every workload kind, flags no seccomp profile", async () => {
        await assertFlags(
            "kubernetes-seccomp",
            (c, pod) => {
                delete c.securityContext.seccompProfile;
                delete pod.securityContext.seccompProfile;
            },
            /seccomp profile unset/,
        );
    });
    it("passes every workload kind, flags Unconfined", async () => {
        await assertFlags(
            "kubernetes-seccomp",
            (c) => (c.securityContext.seccompProfile = { type: "Unconfined" }),
            /seccomp profile Unconfined/,
        );
    });
});
