import { podSecurityStandards } from "../lib/sources";
import { workloadPolicy } from "../lib/workload-policy";

export const kubernetesNoHostPath = workloadPolicy(
    {
        name: "kubernetes-no-host-path",
        description: "Pods mount no hostPath volume.",
        severity: "critical",
        framework: podSecurityStandards("baseline", "HostPath Volumes"),
        remediationSteps: "Replace hostPath volumes with emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret.",
    },
    {},
    (workload, report) => {
        for (const volume of workload.pod.volumes ?? []) {
            if (volume.hostPath) report(`volume "${volume.name}" mounts host path ${volume.hostPath.path}`);
        }
    },
);
