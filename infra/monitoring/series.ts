// Synthetic metric histories in promtool's input_series notation, written in the platform's
// terms (traffic, error ratio, latency, gauges) so each alert's test reads like its scenario.
import type { MonitoringConfig } from "./config";
import { selector } from "./recording";

export interface InputSeries {
    series: string;
    values: string;
}

/** A stretch of `steps` samples during which a gauge holds `value` or a counter grows by `perStep`. */
interface Phase {
    steps: number;
    value: number;
}

function round(n: number): string {
    return String(Math.round(n * 1e6) / 1e6);
}

/** `a+bxn` segments, one per phase, each continuing where the previous one stopped. */
export function counterValues(phases: Phase[]): string {
    let current = 0;
    return phases
        .map(({ steps, value }) => {
            const segment = `${round(current)}+${round(value)}x${steps - 1}`;
            current += value * steps;
            return segment;
        })
        .join(" ");
}

export function gaugeValues(phases: Phase[]): string {
    return phases.map(({ steps, value }) => `${round(value)}x${steps - 1}`).join(" ");
}

export function series(metric: string, labels: Record<string, string>, values: string): InputSeries {
    return { series: `${metric}${selector(labels)}`, values };
}

/** Detector traffic during one stretch: requests per step, the failed share, and how long requests take. */
export interface TrafficPhase {
    steps: number;
    requestsPerStep: number;
    errorRatio?: number;
    /** Shares of requests by duration in seconds; defaults to everything at 0.3 s. */
    latency?: Array<{ seconds: number; share: number }>;
}

/** Bucket bounds as the Python client writes them; the contract needs 1.5 and 2 among them. */
export const testBuckets = ["0.5", "1.0", "1.5", "2.0", "5.0", "+Inf"];

export const detectorInstance = "10.0.0.11:9090";

export function detectorTraffic(config: MonitoringConfig, phases: TrafficPhase[], instance = detectorInstance): InputSeries[] {
    const m = config.detector;
    const labels = { job: m.job, instance };
    const latencyOf = (p: TrafficPhase) => p.latency ?? [{ seconds: 0.3, share: 1 }];
    const counter = (perStep: (p: TrafficPhase) => number) => counterValues(phases.map((p) => ({ steps: p.steps, value: perStep(p) })));
    return [
        series(m.inferenceTotal, labels, counter((p) => p.requestsPerStep)),
        series(m.errorTotal, labels, counter((p) => p.requestsPerStep * (p.errorRatio ?? 0))),
        series(`${m.inferenceDuration}_count`, labels, counter((p) => p.requestsPerStep)),
        series(
            `${m.inferenceDuration}_sum`,
            labels,
            counter((p) => p.requestsPerStep * latencyOf(p).reduce((sum, l) => sum + l.seconds * l.share, 0)),
        ),
        ...testBuckets.map((le) =>
            series(
                `${m.inferenceDuration}_bucket`,
                { ...labels, le },
                counter((p) => p.requestsPerStep * latencyOf(p).reduce((sum, l) => sum + (l.seconds <= Number(le) ? l.share : 0), 0)),
            ),
        ),
    ];
}

export function gauge(metric: string, labels: Record<string, string>, phases: Phase[]): InputSeries {
    return series(metric, labels, gaugeValues(phases));
}

export function upSeries(job: string, instance: string, phases: Phase[]): InputSeries {
    return gauge("up", { job, instance }, phases);
}

/** Node filesystem with the given free share, 100 GiB in size. */
export function diskSeries(config: MonitoringConfig, phases: Array<{ steps: number; freeRatio: number }>): InputSeries[] {
    const size = 100 * 2 ** 30;
    const labels = { job: config.jobs.nodeExporter, instance: "node-a", mountpoint: "/", fstype: "ext4", device: "/dev/nvme0n1p1" };
    return [
        gauge("node_filesystem_size_bytes", labels, phases.map((p) => ({ steps: p.steps, value: size }))),
        gauge("node_filesystem_avail_bytes", labels, phases.map((p) => ({ steps: p.steps, value: Math.round(size * p.freeRatio) }))),
    ];
}

/** Backup freshness gauges as the Pushgateway exposes them (honorLabels keeps job and kind). */
export function backupSeries(
    config: MonitoringConfig,
    kind: string,
    outcome: "success" | "failure",
    phases: Phase[],
): InputSeries {
    return gauge(`pneumonia_backup_last_${outcome}_timestamp_seconds`, { job: config.jobs.backups, kind }, phases);
}
