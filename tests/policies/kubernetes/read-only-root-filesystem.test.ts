import { assertFlags } from "./workloads";

describe("kubernetes/read-only-root-filesystem", () => {
    it("passes every workload kind, flags a writable root filesystem", async () => {
        await assertFlags(
            "kubernetes-read-only-root-filesystem",
            (c) => (c.securityContext.readOnlyRootFilesystem = false),
            /readOnlyRootFilesystem/,
        );
    });
});
