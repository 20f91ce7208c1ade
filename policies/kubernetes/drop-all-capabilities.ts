import { containersOf } from "../lib/kubernetes";
import { podSecurityStandards } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesDropAllCapabilities = workloadPolicy<{ allowedCapabilities: string[] }>(
    {
        name: "kubernetes-drop-all-capabilities",
        description: "Containers drop ALL Linux capabilities and add back none beyond the allowed list (NET_BIND_SERVICE).",
        severity: "high",
        framework: podSecurityStandards("restricted", "Capabilities"),
        remediationSteps: 'Set securityContext.capabilities.drop: ["ALL"] and remove capabilities.add.',
    },
    {
        allowedCapabilities: {
            type: "array",
            items: { type: "string" },
            default: ["NET_BIND_SERVICE"],
            description: "Capabilities a container may add back (Pod Security Standards restricted allows only NET_BIND_SERVICE).",
        },
    },
    (workload, report, config) => {
        for (const { container, role } of containersOf(workload.pod)) {
            const capabilities = container.securityContext?.capabilities ?? {};
            if (!(capabilities.drop ?? []).includes("ALL")) report(`${containerLabel(container, role)} does not drop ALL capabilities`);
            const extra = (capabilities.add ?? []).filter((c) => !config.allowedCapabilities.includes(c));
            if (extra.length > 0) report(`${containerLabel(container, role)} adds capabilities ${extra.join(", ")}`);
        }
    },
);
