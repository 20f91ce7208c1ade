import { kubeLinter } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

export const kubernetesProbes = workloadPolicy(
    {
        name: "kubernetes-probes",
        description: "Containers of long-running workloads have readiness and liveness probes (Jobs and CronJobs are exempt).",
        severity: "medium",
        framework: kubeLinter("no-readiness-probe", "no-liveness-probe"),
        remediationSteps: "Add readinessProbe and livenessProbe (the detector and MLflow serve /health).",
    },
    {},
    (workload, report) => {
        if (!workload.longRunning) return;
        for (const container of workload.pod.containers ?? []) {
            const missing = [
                ...(container.readinessProbe ? [] : ["readinessProbe"]),
                ...(container.livenessProbe ? [] : ["livenessProbe"]),
            ];
            if (missing.length > 0) report(`${containerLabel(container, "container")} has no ${missing.join(" and no ")}`);
        }
    },
);
