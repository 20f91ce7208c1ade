import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesNoPrivilegeEscalation = workloadPolicy(
    {
        name: "kubernetes-no-privilege-escalation",
        description: "Containers set allowPrivilegeEscalation: false.",
        severity: "high",
        framework: podSecurityStandards("restricted", "Privilege Escalation"),
        remediationSteps: "Set securityContext.allowPrivilegeEscalation: false on every container.",
    },
    {},
    (workload, report) => {
        for (const { container, role } of containersOf(workload.pod)) {
            if (container.securityContext?.allowPrivilegeEscalation !== false) {
                report(`${containerLabel(container, role)} does not set securityContext.allowPrivilegeEscalation: false`);
            }
        }
    },
);
