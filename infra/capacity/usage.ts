// Right-sizing queries: each workload's current request and its p95 usage over the forecast range,
// from kube-state-metrics and cAdvisor (both shipped by kube-prometheus-stack). The capacity
// dashboard and `npm run capacity-report` read the same queries.
import { selector } from "../observability/rules";
import { forecastRange } from "./forecasts";

export type ResourceName = "cpu" | "memory";

/** The workloads the manual's capacity review sizes, by container name (the backup CronJobs share `backup`). */
export const sizedContainers = ["detector", "mlflow", "backup"] as const;
export type SizedContainer = (typeof sizedContainers)[number];

/**
 * The margin the Vertical Pod Autoscaler's recommender adds to its usage percentile
 * (`--recommendation-margin-fraction`, default 0.15, kubernetes/autoscaler vertical-pod-autoscaler
 * FAQ): a recommendation computed from usage when no VPA recommendation is scraped uses the same.
 */
export const recommendationMargin = 0.15;

/** The request per pod: the largest of the container's pods (they share one spec). */
export function requestQuery(namespace: string, container: string, resource: ResourceName): string {
    return `max by (container) (kube_pod_container_resource_requests${selector({ namespace, container, resource })})`;
}

/** p95 over the range of the busiest pod's usage (CPU cores over 5 minutes, memory working set bytes). */
export function p95UsageQuery(namespace: string, container: string, resource: ResourceName): string {
    const sel = selector({ namespace, container });
    const usage =
        resource === "cpu"
            ? `max by (container) (rate(container_cpu_usage_seconds_total${sel}[5m]))`
            : `max by (container) (container_memory_working_set_bytes${sel})`;
    return `quantile_over_time(0.95, (${usage})[${forecastRange}:5m])`;
}
