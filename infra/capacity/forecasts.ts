// Capacity forecasts: from the last 4 weeks, when each of the manual's scaling triggers (and the
// disk-free limit on every persistent volume) will be crossed, as recording rules the capacity
// dashboard and `npm run capacity-report` read, and SEV-4 alerts when a crossing is due
// within `capacity.forecastDays`.
//
// The projection is Prometheus' simple linear regression: `predict_linear(v[4w], t)` is the value
// the least-squares line through v's samples of the range takes t seconds from the evaluation time,
// and `deriv(v[4w])` is that line's slope per second; both are meant for gauges
// (https://prometheus.io/docs/prometheus/latest/querying/functions/#predict_linear, #deriv).
import type { AlertDefinition, Duration, Runbook, Service } from "../observability/alerts";
import type { MonitoringSettings } from "../monitoring/config";
import { objectives, scalingTriggers } from "../observability/objectives";
import { type RecordingRule, type RuleGroup, selector } from "../observability/rules";
import { gauge, type InputSeries, series } from "../observability/series";
import { defaultForecastDays } from "./config";

/** The history every forecast regresses over. */
export const forecastRange = "4w";
/**
 * A forecast needs its series to have existed this long: fitted over a fresh stack's first hours,
 * `predict_linear` extrapolates scrape jitter into a "trend" and a ticket would open for nothing.
 */
export const minimumHistory = "1w";
const day = 86400;

/** Seconds until a trigger's windowed value crosses its threshold, at the 4-week trend; absent when not rising. */
export const crossingRecord = "trigger:capacity_crossing_seconds:predict_linear4w";
/** Each backup kind's size `capacity.forecastDays` ahead: the daily growth of the backup bucket. */
export const backupSizeForecastRecord = "job_kind:pneumonia_backup_last_size_bytes:predict_linear4w";

export function forecastDays(config: MonitoringSettings): number {
    return config.capacity?.forecastDays ?? defaultForecastDays;
}

/** A series to regress and the threshold its trigger puts on it. */
export interface ForecastTarget {
    /** The `trigger` label: cpu, memory, latency, errorRate, volume. */
    trigger: string;
    /** What crossing means, in the manual's words. */
    what: string;
    alert: string;
    service: Service;
    threshold: number;
    /** PromQL: seconds until the crossing at the 4-week trend, 0 when already crossed and rising; absent otherwise. */
    crossing: string;
    /** Labels of the source series besides `trigger` (what the alert carries). */
    labels: Record<string, string>;
    /** How a history of the trigger's windowed value is exposed as raw metrics, one sample per `historyStep`. */
    history: (windowedValueAt: (tDays: number) => number) => InputSeries[];
    /** The daily rise of the test histories' trends, in the threshold's unit. */
    slopePerDay: number;
}

function windowSeconds(w: string): number {
    const match = /^(\d+)([dw])$/.exec(w)!;
    return Number(match[1]) * (match[2] === "w" ? 7 * day : day);
}

/** Test histories: 28 days of 4 h samples, "now" being the last one. */
export const historyStep: Duration = "4h";
const stepDays = 4 / 24;
const historySteps = 28 / stepDays + 1;
const times = Array.from({ length: historySteps }, (_, i) => i * stepDays);

const number = (n: number) => String(Math.round(n * 1e6) / 1e6);
const explicit = (values: number[]) => values.map(number).join(" ");
const cumulative = (perStep: number[]) => {
    let total = 0;
    return perStep.map((v) => (total += v));
};

export function forecastTargets(config: MonitoringSettings): ForecastTarget[] {
    const m = config.detector;
    const det = selector({ job: m.job });
    const detectorLabels = { job: m.job, instance: "10.0.0.11:9090" };
    const requests = 1000;
    // The rate-window recordings (1d) average the per-step values of the day before, so a history of
    // the windowed value v(t) is produced by per-step values v(t + window/2): same lag, other side.
    const perStep = (v: (t: number) => number, lagDays: number) => times.map((t) => Math.max(0, v(t + lagDays)));
    const { cpu, memory, latency, errorRate } = scalingTriggers;
    const resourceTarget = (trigger: "cpu" | "memory", metric: string, percent: number, w: string): ForecastTarget => ({
        trigger,
        what: `detector ${trigger === "cpu" ? "CPU" : "memory"} above ${percent} % on average over ${w}`,
        alert: trigger === "cpu" ? "DetectorCpuCapacityForecast" : "DetectorMemoryCapacityForecast",
        service: "detector",
        threshold: percent,
        // A linear trend's average over a window lags the trend by half the window.
        crossing: rising(`job:${metric}:avg${det}`, percent, windowSeconds(w) / 2),
        labels: { job: m.job },
        history: (v) => [series(metric, detectorLabels, explicit(perStep(v, windowSeconds(w) / 2 / day)))],
        slopePerDay: 1,
    });
    return [
        resourceTarget("cpu", m.cpuPercent, cpu.percent, cpu.window),
        resourceTarget("memory", m.memoryPercent, memory.percent, memory.window),
        {
            trigger: "latency",
            what: `average response time above ${latency.seconds} s over ${latency.window}`,
            alert: "DetectorLatencyCapacityForecast",
            service: "detector",
            threshold: latency.seconds,
            // The recording is the window's average already: no lag.
            crossing: rising(`job:${m.inferenceDuration}:avg${latency.window}${det}`, latency.seconds, 0),
            labels: { job: m.job },
            history: (v) => {
                const seconds = perStep(v, windowSeconds(latency.window) / 2 / day);
                return [
                    series(`${m.inferenceDuration}_count`, detectorLabels, explicit(cumulative(seconds.map(() => requests)))),
                    series(`${m.inferenceDuration}_sum`, detectorLabels, explicit(cumulative(seconds.map((s) => s * requests)))),
                ];
            },
            slopePerDay: 0.02,
        },
        {
            trigger: "errorRate",
            what: `error rate above ${errorRate.ratio * 100} % over ${errorRate.window}`,
            alert: "DetectorErrorRateCapacityForecast",
            service: "detector",
            threshold: errorRate.ratio,
            crossing: rising(`job:inference_errors:ratio_rate${errorRate.window}${det}`, errorRate.ratio, 0),
            labels: { job: m.job },
            history: (v) => {
                const ratios = perStep(v, windowSeconds(errorRate.window) / 2 / day);
                return [
                    series(m.inferenceTotal, detectorLabels, explicit(cumulative(ratios.map(() => requests)))),
                    series(m.errorTotal, detectorLabels, explicit(cumulative(ratios.map((r) => r * requests)))),
                ];
            },
            slopePerDay: 0.0001,
        },
        {
            trigger: "volume",
            what: `a persistent volume with less than ${objectives.diskFreePercent} % free`,
            alert: "VolumeFillForecast",
            service: "node",
            threshold: 1 - objectives.diskFreePercent / 100,
            crossing: volumeFilling(objectives.diskFreePercent / 100),
            labels: { namespace: "monitoring", persistentvolumeclaim: "prometheus-db" },
            history: (v) => {
                const capacity = 50 * 2 ** 30;
                const labels = { job: "kubelet", namespace: "monitoring", persistentvolumeclaim: "prometheus-db" };
                return [
                    gauge("kubelet_volume_stats_capacity_bytes", labels, [{ steps: historySteps, value: capacity }]),
                    series("kubelet_volume_stats_available_bytes", labels, explicit(times.map((t) => Math.round(capacity * (1 - v(t)))))),
                ];
            },
            slopePerDay: 0.01,
        },
    ];
}

/**
 * `(threshold - value now) / slope` of a rising series, "value now" read off the regression line
 * `lagSeconds` back (where the trend's window average stands now).
 */
function rising(source: string, threshold: number, lagSeconds: number): string {
    const range = `${source}[${forecastRange}]`;
    return `clamp_min(\n  (${threshold} - predict_linear(${range}, ${-lagSeconds}))\n  /\n  deriv(${range}),\n  0\n)\nand\nderiv(${range}) > 0\nand\n${source} offset ${minimumHistory}`;
}

/** Seconds until a PVC's free bytes fall under `freeRatio` of its capacity, per claim, from the kubelet's gauges. */
function volumeFilling(freeRatio: number): string {
    const source = "kubelet_volume_stats_available_bytes";
    const range = `${source}[${forecastRange}]`;
    return `max by (namespace, persistentvolumeclaim) (\n  clamp_min(\n    (predict_linear(${range}, 0) - ${freeRatio} * kubelet_volume_stats_capacity_bytes)\n    /\n    -deriv(${range}),\n    0\n  )\n  and\n  deriv(${range}) < 0\n  and\n  ${source} offset ${minimumHistory}\n)`;
}

function labelled(t: ForecastTarget): string {
    return `label_replace(\n${t.crossing},\n"trigger", ${JSON.stringify(t.trigger)}, "", "")`;
}

export function capacityRecordingGroups(config: MonitoringSettings): RuleGroup<RecordingRule>[] {
    const backups = selector({ job: config.jobs.backups });
    return [
        {
            name: "pneumonia-capacity",
            rules: [
                // One rule for every trigger: their series differ by `trigger`, and one record name
                // defined twice would be a duplicate rule to promtool's linter.
                { record: crossingRecord, expr: forecastTargets(config).map(labelled).join("\nor\n") },
                {
                    record: backupSizeForecastRecord,
                    expr: `max by (job, kind) (\n  predict_linear(pneumonia_backup_last_size_bytes${backups}[${forecastRange}], ${forecastDays(config)} * ${day})\n)`,
                },
            ],
        },
    ];
}

/** A history whose windowed value crosses the threshold `daysAhead` days after its last sample. */
export function trendHistory(t: ForecastTarget, slopePerDay: number, daysAhead: number): InputSeries[] {
    const now = times[times.length - 1];
    return t.history((tDays) => t.threshold + slopePerDay * (tDays - now - daysAhead));
}

/** A history holding at 80 % of the threshold. */
export function flatHistory(t: ForecastTarget): InputSeries[] {
    return t.history(() => t.threshold * 0.8);
}

function forecastRunbook(t: ForecastTarget): Runbook {
    const detector = t.service === "detector";
    return {
        meaning: `At the trend of the last 4 weeks, ${t.what} is forecast within the capacity horizon (capacity.forecastDays). Nothing is broken yet: this is the manual's capacity planning, ahead of the scaling trigger.`,
        firstCommands: [
            "npm run --silent capacity-report -- <stack> --prometheus-url http://localhost:9090   # after kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090",
            detector ? "kubectl -n pneumonia get hpa detector" : "kubectl get pvc -A",
            detector
                ? "kubectl -n pneumonia top pods -l app.kubernetes.io/name=detector"
                : `kubectl -n ${t.labels.namespace} describe pvc <persistentvolumeclaim>`,
        ],
        mitigation: detector
            ? [
                  "Open the capacity dashboard: check the trend is real (traffic growth) and not one incident skewing the regression.",
                  "Plan the change for the next release: replicas (`detector.replicas`, `detector.maxReplicas`), requests/limits (see the VPA recommendation in the report), or a model optimization.",
              ]
            : [
                  "Grow the volume before it fills: raise the size in the stack config (`monitoring.storageSize`, `database.storageSize`, `objectStore.storageSize`) and apply; EBS volumes expand online.",
                  "For Prometheus, shorten `monitoring.retention` if the growth is cardinality, not traffic.",
              ],
        escalation:
            "SEV-4: next business day. Add it to the monthly capacity review (docs/operations.md); escalate to SEV-3 if the forecast drops under 7 days.",
    };
}

export function capacityForecastAlerts(config: MonitoringSettings): AlertDefinition[] {
    const horizon = forecastDays(config);
    return forecastTargets(config).map((t) => {
        const labels = { ...t.labels, trigger: t.trigger };
        const at: Duration = "28d";
        return {
            name: t.alert,
            severity: "low",
            service: t.service,
            // The alert computes its forecast itself rather than reading the recording: a recording
            // of another group may be one evaluation old, and Prometheus groups run independently.
            expr: `${labelled(t)}\n< ${horizon} * ${day}`,
            for: "1h",
            summary: `Forecast: ${t.what} within ${horizon} days`,
            description: `At the linear trend of the last 4 weeks, ${t.what} will be reached within ${horizon} days: plan capacity now.`,
            runbook: forecastRunbook(t),
            tests: [
                {
                    title: "rising to the trigger in 14 days",
                    interval: historyStep,
                    series: trendHistory(t, t.slopePerDay, 14),
                    at,
                    firing: ["low"],
                    labels,
                },
                { title: "flat below the trigger", interval: historyStep, series: flatHistory(t), at, firing: [], labels },
                {
                    title: `rising to the trigger just after ${horizon} days`,
                    interval: historyStep,
                    series: trendHistory(t, t.slopePerDay / 4, horizon + 3),
                    at,
                    firing: [],
                    labels,
                },
            ],
        };
    });
}
