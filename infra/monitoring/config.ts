// Monitoring settings (kube-prometheus-stack sizing and alerting knobs).
import { z } from "zod";
import type { Environment } from "../config";

export const monitoringConfigSchema = z
    .object({
        /** Prometheus TSDB retention, e.g. 15d. */
        retention: z.string().regex(/^\d+[dhw]$/, "a duration such as 15d"),
        storageSize: z.string().regex(/^\d+(Mi|Gi|Ti)$/, "a storage size such as 50Gi"),
    })
    .strict();
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;

export function monitoringDefaults(env: Environment): MonitoringConfig {
    return { retention: env === "production" ? "30d" : "7d", storageSize: env === "local" ? "5Gi" : "50Gi" };
}
