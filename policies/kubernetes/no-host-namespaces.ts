import { podSecurityStandards } from "../lib/sources";
import { workloadPolicy } from "../lib/workload-policy";

const namespaces = ["hostNetwork", "hostPID", "hostIPC"] as const;

export const kubernetesNoHostNamespaces = workloadPolicy(
    {
        name: "kubernetes-no-host-namespaces",
        description: "Pods do not share the node's network, PID or IPC namespace.",
        severity: "critical",
        framework: podSecurityStandards("baseline", "Host Namespaces"),
        remediationSteps: "Remove hostNetwork, hostPID and hostIPC from the pod spec.",
    },
    {},
    (workload, report) => {
        for (const field of namespaces) {
            if (workload.pod[field] === true) report(`pod sets ${field}: true`);
        }
    },
);
