import { assertFlags } from "./workloads";

describe("kubernetes/no-host-ports", () => {
    it("passes every workload kind, flags a host port", async () => {
        await assertFlags("kubernetes-no-host-ports", (c) => (c.ports[0].hostPort = 8000), /binds host port 8000/);
    });
});
