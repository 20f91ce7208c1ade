// Synthetic metric histories of the platform's own series (detector traffic, node disks, backup
// freshness) in promtool's input_series notation, for the alert cases of monitoring's rules.
import type { MonitoringSettings } from "./config";
import { counterValues, gauge, series, type InputSeries, type Phase } from "../observability/series";

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

export function detectorTraffic(config: MonitoringSettings, phases: TrafficPhase[], instance = detectorInstance): InputSeries[] {
    const m = config.detector;
    const labels = { job: m.job, instance };
    const latencyOf = (p: TrafficPhase) => p.latency ?? [{ seconds: 0.3, share: 1 }];
    const counter = (perStep: (p: TrafficPhase) => number) => counterValues(phases.map((p) => ({ steps: p.steps, value: perStep(p) })));
    return [
        series(
            m.inferenceTotal,
            labels,
            counter((p) => p.requestsPerStep),
        ),
        series(
            m.errorTotal,
            labels,
            counter((p) => p.requestsPerStep * (p.errorRatio ?? 0)),
        ),
        series(
            `${m.inferenceDuration}_count`,
            labels,
            counter((p) => p.requestsPerStep),
        ),
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

/** Node filesystem with the given free share, 100 GiB in size. */
export function diskSeries(config: MonitoringSettings, phases: Array<{ steps: number; freeRatio: number }>): InputSeries[] {
    const size = 100 * 2 ** 30;
    const labels = { job: config.jobs.nodeExporter, instance: "node-a", mountpoint: "/", fstype: "ext4", device: "/dev/nvme0n1p1" };
    return [
        gauge(
            "node_filesystem_size_bytes",
            labels,
            phases.map((p) => ({ steps: p.steps, value: size })),
        ),
        gauge(
            "node_filesystem_avail_bytes",
            labels,
            phases.map((p) => ({ steps: p.steps, value: Math.round(size * p.freeRatio) })),
        ),
    ];
}

/** Backup freshness gauges as the Pushgateway exposes them (honorLabels keeps job and kind). */
export function backupSeries(config: MonitoringSettings, kind: string, outcome: "success" | "failure", phases: Phase[]): InputSeries {
    return gauge(`pneumonia_backup_last_${outcome}_timestamp_seconds`, { job: config.jobs.backups, kind }, phases);
}
