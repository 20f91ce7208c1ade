import { containersOf } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesReadOnlyRootFilesystem = workloadPolicy(
    {
        name: "kubernetes-read-only-root-filesystem",
        description: "Containers run with a read-only root filesystem.",
        severity: "medium",
        framework: kubeLinter("no-read-only-root-fs"),
        remediationSteps: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes (e.g. /tmp).",
    },
    {},
    (workload, report) => {
        for (const { container, role } of containersOf(workload.pod)) {
            if (container.securityContext?.readOnlyRootFilesystem !== true) {
                report(`${containerLabel(container, role)} does not set securityContext.readOnlyRootFilesystem: true`);
            }
        }
    },
);
