import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesNoHostPorts = workloadPolicy(
    {
        name: "kubernetes-no-host-ports",
        description: "Containers bind no host port.",
        severity: "high",
        framework: podSecurityStandards("baseline", "Host Ports"),
        remediationSteps: "Remove ports[].hostPort; expose the container through a Service.",
    },
    {},
    (workload, report) => {
        for (const { container, role } of containersOf(workload.pod)) {
            for (const port of container.ports ?? []) {
                if (port.hostPort) report(`${containerLabel(container, role)} binds host port ${port.hostPort}`);
            }
        }
    },
);
