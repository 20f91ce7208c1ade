import { assertFlags } from "./workloads";

describe("kubernetes/drop-all-capabilities", () => {
    it("passes every workload kind, flags capabilities not dropped", async () => {
        await assertFlags(
            "kubernetes-drop-all-capabilities",
            (c) => (c.securityContext.capabilities = { drop: ["NET_RAW"] }),
            /does not drop ALL/,
        );
    });
    it("passes every workload kind, flags added capabilities", async () => {
        await assertFlags(
            "kubernetes-drop-all-capabilities",
            (c) => (c.securityContext.capabilities.add = ["SYS_ADMIN"]),
            /adds capabilities SYS_ADMIN/,
        );
    });
});
