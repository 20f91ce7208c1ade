// Grafana dashboards as data: the detector (the manual's business and technical metrics) and the
// platform (MLflow, Postgres, backups). Queries read our recording rules, the metric contract and
// kube-prometheus-stack's own metrics (cAdvisor, kube-state-metrics, kubelet, node-exporter).
import { dashboard, podLogsLink, type Dashboard, type PanelSpec } from "../observability/dashboards";
import { objectives } from "../observability/objectives";
import { slo } from "./alerts";
import { percent } from "../observability/alerts";
import type { MonitoringSettings } from "./config";
import { latencyObjectiveSeconds } from "./recording";
import { selector } from "../observability/rules";

/** The manual's limits as the fractions percent-unit panels draw. */
const cpuLimit = objectives.cpuPercent / 100;
const memoryLimit = objectives.memoryPercent / 100;
const diskFreeLimit = objectives.diskFreePercent / 100;

/** Container usage against its limit, per pod, from cAdvisor and kube-state-metrics. */
function againstLimit(namespace: string, container: string, resource: "cpu" | "memory"): string {
    const sel = selector({ namespace, container });
    const usage =
        resource === "cpu"
            ? `sum by (pod) (rate(container_cpu_usage_seconds_total${sel}[5m]))`
            : `sum by (pod) (container_memory_working_set_bytes${sel})`;
    return `${usage}\n/\nsum by (pod) (kube_pod_container_resource_limits${selector({ namespace, container, resource })})`;
}

function backupPanels(config: MonitoringSettings): PanelSpec[] {
    const backups = selector({ job: config.jobs.backups });
    return [
        {
            title: "Backup age by kind",
            kind: "timeseries",
            unit: "s",
            targets: [{ expr: "job_kind:pneumonia_backup_age_seconds:max", legend: "{{kind}}" }],
            limit: { value: 26 * 3600 },
            description: "Time since the last successful backup; BackupStale fires above 26 h.",
        },
        {
            title: "Last backup duration",
            kind: "timeseries",
            unit: "s",
            targets: [{ expr: `max by (kind) (pneumonia_backup_last_duration_seconds${backups})`, legend: "{{kind}}" }],
        },
        {
            title: "Last backup size",
            kind: "timeseries",
            unit: "bytes",
            targets: [{ expr: `max by (kind) (pneumonia_backup_last_size_bytes${backups})`, legend: "{{kind}}" }],
        },
    ];
}

export function detectorDashboard(config: MonitoringSettings, appNamespace: string): Dashboard {
    const m = config.detector;
    const det = selector({ job: m.job });
    const d = m.inferenceDuration;
    return dashboard("pneumonia-detector", "Pneumonia detector", [
        [
            {
                title: "Request rate",
                kind: "timeseries",
                unit: "reqps",
                targets: [{ expr: `job:${m.inferenceTotal}:rate5m${det}`, legend: "requests/s" }],
            },
            {
                title: "Success rate",
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: `1 - job:inference_errors:ratio_rate5m${det}`, legend: "success" }],
                limit: { value: objectives.inferenceSuccessRate, below: true },
            },
            {
                title: "Error rate",
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: `job:inference_errors:ratio_rate5m${det}`, legend: "errors" }],
                limit: { value: objectives.errorRate },
            },
        ],
        [
            {
                title: `Inference latency against the ${latencyObjectiveSeconds} s objective`,
                kind: "timeseries",
                unit: "s",
                targets: [
                    { expr: `job:${d}:avg5m${det}`, legend: "average" },
                    { expr: `job:${d}:p50_5m${det}`, legend: "p50" },
                    { expr: `job:${d}:p95_5m${det}`, legend: "p95" },
                    { expr: `job:${d}:p99_5m${det}`, legend: "p99" },
                ],
                limit: { value: latencyObjectiveSeconds },
            },
            {
                title: "SLO budget left (30 days)",
                kind: "stat",
                unit: "percentunit",
                targets: [
                    {
                        expr: `1 - avg_over_time(job:inference_errors:ratio_rate1h${det}[30d]) / ${Number((1 - slo.availability).toPrecision(12))}`,
                        legend: `availability ${percent(slo.availability)}`,
                    },
                    {
                        expr: `1 - avg_over_time(job:inference_slow:ratio_rate1h${det}[30d]) / ${Number((1 - slo.latency).toPrecision(12))}`,
                        legend: `latency ${percent(slo.latency)} < ${latencyObjectiveSeconds} s`,
                    },
                ],
                limit: { value: 0, below: true },
            },
        ],
        [
            {
                title: "CPU against limit",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    { expr: againstLimit(appNamespace, "detector", "cpu"), legend: "{{pod}}" },
                    { expr: `max by (instance) (${m.cpuPercent}${det}) / 100`, legend: "reported {{instance}}" },
                ],
                limit: { value: cpuLimit },
                links: [podLogsLink(appNamespace, "detector")],
            },
            {
                title: "Memory against limit",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    { expr: againstLimit(appNamespace, "detector", "memory"), legend: "{{pod}}" },
                    { expr: `max by (instance) (${m.memoryPercent}${det}) / 100`, legend: "reported {{instance}}" },
                ],
                limit: { value: memoryLimit },
                links: [podLogsLink(appNamespace, "detector")],
            },
            {
                title: "Replicas",
                kind: "timeseries",
                unit: "short",
                targets: [
                    {
                        expr: `kube_deployment_status_replicas_available${selector({ namespace: appNamespace, deployment: "detector" })}`,
                        legend: "available",
                    },
                    {
                        expr: `kube_horizontalpodautoscaler_status_desired_replicas${selector({ namespace: appNamespace, horizontalpodautoscaler: "detector" })}`,
                        legend: "desired (HPA)",
                    },
                    {
                        expr: `kube_horizontalpodautoscaler_spec_max_replicas${selector({ namespace: appNamespace, horizontalpodautoscaler: "detector" })}`,
                        legend: "max (HPA)",
                    },
                ],
            },
        ],
        [
            {
                title: "Disk free",
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: "instance_mountpoint:node_filesystem_avail:ratio", legend: "{{instance}} {{mountpoint}}" }],
                limit: { value: diskFreeLimit, below: true },
            },
            backupPanels(config)[0],
        ],
    ]);
}

export function platformDashboard(config: MonitoringSettings, appNamespace: string): Dashboard {
    const restarts = (container: string) =>
        `sum by (pod) (increase(kube_pod_container_status_restarts_total${selector({ namespace: appNamespace, container })}[1h]))`;
    return dashboard("pneumonia-platform", "Pneumonia platform: MLflow, Postgres, backups", [
        [
            {
                title: "MLflow up",
                kind: "stat",
                unit: "short",
                targets: [{ expr: `job:up:sum${selector({ job: config.jobs.mlflow })}`, legend: "pods up" }],
                limit: { value: 1, below: true },
            },
            {
                title: "MLflow CPU against limit",
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: againstLimit(appNamespace, "mlflow", "cpu"), legend: "{{pod}}" }],
                limit: { value: cpuLimit },
            },
            {
                title: "MLflow memory against limit",
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: againstLimit(appNamespace, "mlflow", "memory"), legend: "{{pod}}" }],
                limit: { value: memoryLimit },
            },
            {
                title: "MLflow restarts (1 h)",
                kind: "timeseries",
                unit: "short",
                targets: [{ expr: restarts("mlflow"), legend: "{{pod}}" }],
            },
        ],
        [
            {
                title: "Postgres up",
                kind: "stat",
                unit: "short",
                targets: [{ expr: `job:pg_up:min${selector({ job: config.jobs.postgres })}`, legend: "pg_up" }],
                limit: { value: 1, below: true },
            },
            {
                title: "Postgres volume free (in-cluster)",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    {
                        expr: `kubelet_volume_stats_available_bytes${selector({ namespace: appNamespace })}\n/\nkubelet_volume_stats_capacity_bytes${selector({ namespace: appNamespace })}`,
                        legend: "{{persistentvolumeclaim}}",
                    },
                ],
                limit: { value: diskFreeLimit, below: true },
            },
            {
                title: "Postgres restarts (1 h)",
                kind: "timeseries",
                unit: "short",
                targets: [{ expr: restarts("postgres"), legend: "{{pod}}" }],
            },
        ],
        backupPanels(config),
        [
            {
                title: "Backups failed since their last success",
                kind: "stat",
                unit: "short",
                targets: [
                    {
                        expr: "count(job_kind:pneumonia_backup_last_failure_timestamp_seconds:max > on(job, kind) job_kind:pneumonia_backup_last_success_timestamp_seconds:max) or vector(0)",
                        legend: "failed kinds",
                    },
                ],
                limit: { value: 1 },
            },
        ],
    ]);
}

export function dashboards(config: MonitoringSettings, appNamespace: string): Dashboard[] {
    return [
        detectorDashboard(config, appNamespace),
        platformDashboard(config, appNamespace),
        ...config.contributions.flatMap((c) => c.dashboards?.(config, appNamespace) ?? []),
    ];
}

/** Every PromQL expression of a dashboard, for parsing and metric checks. */
export function dashboardExpressions(d: Dashboard): string[] {
    return (d.json.panels as Array<{ targets: Array<{ expr: string }> }>).flatMap((p) => p.targets.map((t) => t.expr));
}
