// Recording rules: every alert and dashboard reads these pre-aggregated series, so an alert
// evaluation never scans raw per-pod samples over long windows more than once per interval.
import { objectives, scalingTriggers } from "../observability/objectives";
import type { MonitoringSettings } from "./config";
import { selector, type RecordingRule, type RuleGroup } from "../observability/rules";

/** The windows the SLO burn-rate alerts and the scaling triggers look through. */
export const sloWindows = ["5m", "30m", "1h", "2h", "6h", "1d"] as const;

/** The manual's latency objective, as a histogram bucket bound. */
export const latencyObjectiveSeconds = objectives.latencySeconds;

/**
 * An aggregation `by (job)` that is empty when nothing is scraped, completed with a zero per job
 * that has no series: the series (and the alert's labels) stay the same whether targets are down or gone.
 */
function orZero(expr: string, jobs: string[]): string {
    return [expr, ...jobs.map((job) => `label_replace(vector(0), "job", ${JSON.stringify(job)}, "", "")`)].join("\nor ");
}

function jobRegex(jobs: string[]): string {
    return jobs.map((job) => job.replace(/\./g, "\\.")).join("|");
}

/** A bucket bound as Go clients (`2`) and Python's prometheus_client (`2.0`) both write it. */
export function leMatcher(bound: number): string {
    const spellings = Number.isInteger(bound) ? [String(bound), `${bound}.0`] : [String(bound)];
    return `le=~"${spellings.map((s) => s.replace(".", "\\\\.")).join("|")}"`;
}

export function recordingGroups(config: MonitoringSettings): RuleGroup<RecordingRule>[] {
    const m = config.detector;
    const det = selector({ job: m.job });
    const rate = (metric: string, window: string, extra = "") =>
        `sum by (job) (rate(${metric}{job=${JSON.stringify(m.job)}${extra}}[${window}]))`;
    const durationBucket = `${m.inferenceDuration}_bucket`;

    const detectorSlo: RecordingRule[] = sloWindows.flatMap((w) => [
        { record: `job:${m.inferenceTotal}:rate${w}`, expr: rate(m.inferenceTotal, w) },
        { record: `job:inference_errors:ratio_rate${w}`, expr: `${rate(m.errorTotal, w)}\n/\n${rate(m.inferenceTotal, w)}` },
        {
            record: `job:inference_slow:ratio_rate${w}`,
            expr: `1 - (\n  ${rate(durationBucket, w, `,${leMatcher(latencyObjectiveSeconds)}`)}\n  /\n  ${rate(`${m.inferenceDuration}_count`, w)}\n)`,
        },
    ]);
    const latency: RecordingRule[] = [
        // 5m for the latency alert, the manual's response-time scaling trigger window for capacity.
        ...(["5m", scalingTriggers.latency.window] as const).map((w) => ({
            record: `job:${m.inferenceDuration}:avg${w}`,
            expr: `${rate(`${m.inferenceDuration}_sum`, w)}\n/\n${rate(`${m.inferenceDuration}_count`, w)}`,
        })),
        ...[0.5, 0.95, 0.99].map((q) => ({
            record: `job:${m.inferenceDuration}:p${Math.round(q * 100)}_5m`,
            expr: `histogram_quantile(${q}, sum by (job, le) (rate(${durationBucket}${det}[5m])))`,
        })),
    ];
    const resources: RecordingRule[] = [m.cpuPercent, m.memoryPercent].flatMap((metric) =>
        (["max", "avg"] as const).map((agg) => ({ record: `job:${metric}:${agg}`, expr: `${agg} by (job) (${metric}${det})` })),
    );
    const scrapedJobs = [m.job, config.jobs.mlflow, config.jobs.postgres];
    const availability: RecordingRule[] = [
        { record: "job:up:sum", expr: orZero(`sum by (job) (up{job=~${JSON.stringify(jobRegex(scrapedJobs))}})`, scrapedJobs) },
        {
            record: "job:pg_up:min",
            expr: orZero(`min by (job) (pg_up${selector({ job: config.jobs.postgres })})`, [config.jobs.postgres]),
        },
    ];
    const fs = `{job=${JSON.stringify(config.jobs.nodeExporter)},fstype!="",mountpoint!=""}`;
    const disk: RecordingRule[] = [
        {
            record: "instance_mountpoint:node_filesystem_avail:ratio",
            expr: `min by (instance, mountpoint) (\n  node_filesystem_avail_bytes${fs}\n  /\n  node_filesystem_size_bytes${fs}\n)`,
        },
    ];
    const backupSel = selector({ job: config.jobs.backups });
    const backups: RecordingRule[] = [
        ...(["success", "failure"] as const).map((outcome) => ({
            record: `job_kind:pneumonia_backup_last_${outcome}_timestamp_seconds:max`,
            expr: `max by (job, kind) (pneumonia_backup_last_${outcome}_timestamp_seconds${backupSel})`,
        })),
        {
            record: "job_kind:pneumonia_backup_age_seconds:max",
            expr: `time() - max by (job, kind) (pneumonia_backup_last_success_timestamp_seconds${backupSel})`,
        },
    ];

    // Groups named after a service also hold that service's alerts (see rules.ts): rules of one group
    // run in order, so an alert reads the recording made in the same evaluation, whatever the interval.
    return [
        { name: "pneumonia-detector-slo", rules: detectorSlo },
        { name: "pneumonia-platform", rules: availability },
        { name: "pneumonia-detector", rules: [...latency, ...resources] },
        { name: "pneumonia-node", rules: disk },
        { name: "pneumonia-backups", rules: backups },
        ...config.contributions.flatMap((c) => c.recordingRules?.(config) ?? []),
    ];
}
