import { assertFlags } from "./workloads";

describe("kubernetes/no-privilege-escalation", () => {
    it("passes every workload kind, flags allowPrivilegeEscalation left unset", async () => {
        await assertFlags(
            "kubernetes-no-privilege-escalation",
            (c) => delete c.securityContext.allowPrivilegeEscalation,
            /allowPrivilegeEscalation: false/,
        );
    });
});
