import { assertFlags } from "./workloads";

describe("kubernetes/no-host-path", () => {
    it("passes every workload kind, flags a hostPath volume", async () => {
        await assertFlags(
            "kubernetes-no-host-path",
            (_c, pod) => (pod.volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }]),
            /mounts host path \/var\/run\/docker.sock/,
        );
    });
});
