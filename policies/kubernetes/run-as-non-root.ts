import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesRunAsNonRoot = workloadPolicy(
    {
        name: "kubernetes-run-as-non-root",
        description: "Containers must run as a non-root user: runAsNonRoot true and no runAsUser 0, in the pod or every container.",
        severity: "high",
        framework: podSecurityStandards("restricted", "Running as Non-root, Running as Non-root user"),
        remediationSteps: "Set securityContext.runAsNonRoot: true (and a non-zero runAsUser) on the pod, or on every container.",
    },
    {},
    (workload, report) => {
        const pod = workload.pod.securityContext ?? {};
        if (pod.runAsUser === 0) report("pod securityContext.runAsUser is 0 (root)");
        for (const { container, role } of containersOf(workload.pod)) {
            const own = container.securityContext ?? {};
            if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
                report(`${containerLabel(container, role)} does not set runAsNonRoot: true (nor does the pod)`);
            }
            if (own.runAsUser === 0) report(`${containerLabel(container, role)} sets runAsUser 0 (root)`);
        }
    },
);
