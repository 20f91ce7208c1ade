import { parseQuantity } from "../lib/quantity";
import { containersOf } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

const resourceNames = ["cpu", "memory"] as const;

export const kubernetesResources = workloadPolicy(
    {
        name: "kubernetes-resources",
        description: "Every container sets CPU and memory requests and limits, each request no larger than its limit.",
        severity: "high",
        framework: kubeLinter("unset-cpu-requirements", "unset-memory-requirements"),
        remediationSteps:
            "Set resources.requests and resources.limits for cpu and memory on every container and init container; the CPU and memory alerts (limits in infra/observability/objectives.ts) are computed against them.",
    },
    {},
    (workload, report) => {
        for (const { container, role } of containersOf(workload.pod)) {
            const requests = (container.resources?.requests ?? {}) as Record<string, unknown>;
            const limits = (container.resources?.limits ?? {}) as Record<string, unknown>;
            const missing = resourceNames.flatMap((r) => [
                ...(requests[r] === undefined ? [`requests.${r}`] : []),
                ...(limits[r] === undefined ? [`limits.${r}`] : []),
            ]);
            if (missing.length > 0) report(`${containerLabel(container, role)} has no resources.${missing.join(", resources.")}`);
            for (const r of resourceNames) {
                const request = parseQuantity(requests[r]);
                const limit = parseQuantity(limits[r]);
                if (request !== undefined && limit !== undefined && request > limit) {
                    report(`${containerLabel(container, role)} requests more ${r} (${requests[r]}) than its limit (${limits[r]})`);
                }
            }
        }
    },
);
