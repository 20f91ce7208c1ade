// Backup freshness for Prometheus: pushed to the Pushgateway at the end of every run (contract with
// the monitoring component: job pneumonia-backup, grouping label kind).
import { describeError } from "./errors";

export const metricsKinds = ["db", "models", "config", "verify"] as const;
export type MetricsKind = (typeof metricsKinds)[number];

export interface RunResult {
    kind: MetricsKind;
    ok: boolean;
    startedAt: Date;
    finishedAt: Date;
    /** Bytes written (successful backups only). */
    sizeBytes?: number;
}

/** The text exposition body; a failed run only sets the failure gauge and the duration. */
export function exposition(result: RunResult): string {
    const seconds = (d: Date) => (d.getTime() / 1000).toFixed(3);
    const gauges: [string, string, string][] = [
        result.ok
            ? ["pneumonia_backup_last_success_timestamp_seconds", "End of the last successful run (Unix time).", seconds(result.finishedAt)]
            : ["pneumonia_backup_last_failure_timestamp_seconds", "End of the last failed run (Unix time).", seconds(result.finishedAt)],
        [
            "pneumonia_backup_last_duration_seconds",
            "Duration of the last run.",
            ((result.finishedAt.getTime() - result.startedAt.getTime()) / 1000).toFixed(3),
        ],
        ...(result.ok && result.sizeBytes !== undefined
            ? [
                  ["pneumonia_backup_last_size_bytes", "Size of the last successful backup.", String(result.sizeBytes)] as [
                      string,
                      string,
                      string,
                  ],
              ]
            : []),
    ];
    return gauges.map(([name, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`).join("");
}

/**
 * POST (not PUT): the Pushgateway then replaces only the gauges sent, so a failure keeps the last
 * success time Prometheus alerts on. Best effort: a push failure is reported, never fatal.
 */
export async function pushResult(pushgatewayUrl: string, result: RunResult, warn: (line: string) => void): Promise<void> {
    const url = `${pushgatewayUrl}/metrics/job/pneumonia-backup/kind/${result.kind}`;
    try {
        const response = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": "text/plain; version=0.0.4" },
            body: exposition(result),
            signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) warn(`warning: pushing backup metrics to ${url} failed: HTTP ${response.status}`);
    } catch (error) {
        warn(`warning: pushing backup metrics to ${url} failed: ${describeError(error)}`);
    }
}
