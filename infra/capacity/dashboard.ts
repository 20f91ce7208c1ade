// The "capacity" Grafana dashboard: days until each scaling trigger and each volume's disk-free limit
// at the 4-week trend, the triggers' windowed values against the manual's thresholds, backup growth,
// and requests against p95 usage for the workloads the monthly review sizes.
import { objectives, scalingTriggers } from "../observability/objectives";
import type { MonitoringSettings } from "../monitoring/config";
import { dashboard, type Dashboard, type PanelSpec } from "../observability/dashboards";
import { selector } from "../observability/rules";
import { backupSizeForecastRecord, crossingRecord, forecastDays } from "./forecasts";
import { p95UsageQuery, recommendationMargin, requestQuery, sizedContainers, type ResourceName } from "./usage";

export function capacityDashboard(config: MonitoringSettings, appNamespace: string): Dashboard {
    const m = config.detector;
    const det = selector({ job: m.job });
    const horizon = forecastDays(config);
    const { cpu, memory, latency, errorRate } = scalingTriggers;
    const sizing = (resource: ResourceName): PanelSpec => ({
        title: `${resource === "cpu" ? "CPU" : "Memory"}: request, p95 usage (4 weeks) and recommendation`,
        kind: "timeseries",
        unit: resource === "cpu" ? "short" : "bytes",
        targets: sizedContainers.flatMap((c) => [
            { expr: requestQuery(appNamespace, c, resource), legend: `${c} request` },
            { expr: p95UsageQuery(appNamespace, c, resource), legend: `${c} p95 usage` },
            {
                expr: `${p95UsageQuery(appNamespace, c, resource)} * ${1 + recommendationMargin}`,
                legend: `${c} recommended (p95 + ${recommendationMargin * 100} %)`,
            },
        ]),
    });
    const daysUntil = (filter: Record<string, string>, legend: string, title: string): PanelSpec => ({
        title,
        kind: "stat",
        unit: "d",
        targets: [{ expr: `${crossingRecord}${selector(filter)} / 86400`, legend }],
        limit: { value: horizon, below: true },
        description: `Days until crossed at the linear trend of the last 4 weeks (predict_linear); red within capacity.forecastDays (${horizon}). No value: not rising.`,
    });
    const built = dashboard("pneumonia-capacity", "Pneumonia capacity: forecasts and right-sizing", [
        [
            daysUntil({ job: m.job }, "{{trigger}}", "Days until each scaling trigger"),
            daysUntil(
                { trigger: "volume" },
                "{{namespace}}/{{persistentvolumeclaim}}",
                `Days until volumes fall under ${objectives.diskFreePercent} % free`,
            ),
        ],
        [
            {
                title: `CPU, average over ${cpu.window}`,
                kind: "timeseries",
                unit: "percent",
                targets: [{ expr: `avg_over_time(job:${m.cpuPercent}:avg${det}[${cpu.window}])`, legend: "CPU" }],
                limit: { value: cpu.percent },
            },
            {
                title: `Memory, average over ${memory.window}`,
                kind: "timeseries",
                unit: "percent",
                targets: [{ expr: `avg_over_time(job:${m.memoryPercent}:avg${det}[${memory.window}])`, legend: "memory" }],
                limit: { value: memory.percent },
            },
            {
                title: `Response time, average over ${latency.window}`,
                kind: "timeseries",
                unit: "s",
                targets: [{ expr: `job:${m.inferenceDuration}:avg${latency.window}${det}`, legend: "average" }],
                limit: { value: latency.seconds },
            },
            {
                title: `Error rate over ${errorRate.window}`,
                kind: "timeseries",
                unit: "percentunit",
                targets: [{ expr: `job:inference_errors:ratio_rate${errorRate.window}${det}`, legend: "errors" }],
                limit: { value: errorRate.ratio },
            },
        ],
        [
            {
                title: "Volumes used",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    {
                        expr: "1 - kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes",
                        legend: "{{namespace}}/{{persistentvolumeclaim}}",
                    },
                ],
                limit: { value: 1 - objectives.diskFreePercent / 100 },
            },
            {
                title: `Backup size now and forecast in ${horizon} days`,
                kind: "timeseries",
                unit: "bytes",
                targets: [
                    {
                        expr: `max by (kind) (pneumonia_backup_last_size_bytes${selector({ job: config.jobs.backups })})`,
                        legend: "{{kind}} now",
                    },
                    { expr: `max by (kind) (${backupSizeForecastRecord})`, legend: "{{kind}} forecast" },
                ],
                description:
                    "Each daily run adds one copy to the backup bucket, kept backups.retentionDays: the bucket grows by the sum of the kinds' sizes a day until expiry balances it (docs/operations.md).",
            },
        ],
        [sizing("cpu"), sizing("memory")],
    ]);
    // Trends of weeks: a month on screen, refreshed hourly rather than every minute.
    return { ...built, json: { ...built.json, time: { from: "now-30d", to: "now" }, refresh: "1h" } };
}
