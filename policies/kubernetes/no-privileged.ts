import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesNoPrivileged = workloadPolicy(
    {
        name: "kubernetes-no-privileged",
        description: "No container runs privileged.",
        severity: "critical",
        framework: podSecurityStandards("baseline", "Privileged Containers"),
        remediationSteps: "Remove securityContext.privileged (or set it to false).",
    },
    {},
    (workload, report) => {
        for (const { container, role } of containersOf(workload.pod)) {
            if (container.securityContext?.privileged === true) report(`${containerLabel(container, role)} runs privileged`);
        }
    },
);
