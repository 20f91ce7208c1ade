import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

const confined = ["RuntimeDefault", "Localhost"];

export const kubernetesSeccomp = workloadPolicy(
    {
        name: "kubernetes-seccomp",
        description: "Pods run under the RuntimeDefault (or a Localhost) seccomp profile; no container is Unconfined.",
        severity: "medium",
        framework: podSecurityStandards("restricted", "Seccomp"),
        remediationSteps: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or on every container).",
    },
    {},
    (workload, report) => {
        const podProfile = workload.pod.securityContext?.seccompProfile?.type;
        for (const { container, role } of containersOf(workload.pod)) {
            const profile = container.securityContext?.seccompProfile?.type ?? podProfile;
            if (!confined.includes(profile as string)) {
                report(`${containerLabel(container, role)} runs with seccomp profile ${profile ?? "unset"} (expected RuntimeDefault)`);
            }
        }
    },
);
