// The backups' alerts: each kind's last success against the limit its schedule sets (the
// schedule's longest gap plus the job's deadline, infra/backups/schedule.ts), a kind that never
// reported, and a failed run. Handed to monitoring through infra/contributions.ts.
import { durationOf, type AlertCase, type AlertDefinition, type Runbook } from "../observability/alerts";
import { selector } from "../observability/rules";
import { escalate } from "../observability/runbook";
import type { BackupKind, MonitoringSettings } from "../monitoring/config";
import { backupSeries } from "../monitoring/series";

const kubectlApp = "kubectl -n pneumonia";
const kubectlMonitoring = "kubectl -n monitoring";

const runbooks = {
    backupStale: {
        meaning:
            "The last successful backup of this kind is older than its limit: the schedule's longest gap plus the job's deadline (the table above), the latest an on-time run can finish. For the daily kinds the manual's 24-hour RPO (configuration, model artifacts, and the daily database dump) is missed by more than a run takes; for `verify`, the weekly restore test has not passed.",
        firstCommands: [
            `${kubectlApp} get cronjobs,jobs -l app.kubernetes.io/name=backup`,
            `${kubectlApp} logs job/<latest backup job> --tail=100`,
            `${kubectlMonitoring} port-forward svc/pushgateway 9091:9091 & curl -s localhost:9091/metrics | grep pneumonia_backup_`,
        ],
        mitigation: [
            "Run the backup by hand: `kubectl -n pneumonia create job --from=cronjob/backup-<kind> backup-<kind>-manual`.",
            "Fix the cause from the job logs (credentials, bucket policy, database reachability); BackupFailed's runbook lists the runner's failure lines.",
            "If the schedule was changed on purpose, the limit moved with it (docs/backups.md, Schedules and staleness); a schedule longer than the RPO is refused by the config.",
        ],
        escalation: escalate.high,
    },
    backupMissing: {
        meaning:
            "Prometheus has had no successful backup of this kind on record for longer than its limit (the schedule's longest gap plus the job's deadline: the table above): the backup never reported, or the Pushgateway lost its data. A new stack stays quiet until each kind's first run was due, so the weekly verify does not page in the stack's first week.",
        firstCommands: [
            `${kubectlApp} get cronjobs -l app.kubernetes.io/name=backup`,
            `${kubectlMonitoring} get pods -l app.kubernetes.io/name=pushgateway`,
            `${kubectlMonitoring} port-forward svc/pushgateway 9091:9091 & curl -s localhost:9091/metrics | grep pneumonia_backup_`,
        ],
        mitigation: [
            "Check the backup CronJob exists for this kind and that its pods may reach the Pushgateway (NetworkPolicy `pushgateway`).",
            "Run one backup of the kind by hand; its push restores the metric.",
        ],
        escalation: escalate.medium,
    },
    backupFailed: {
        meaning: "The most recent backup run of this kind failed (its failure timestamp is newer than its last success).",
        firstCommands: [
            `${kubectlApp} get jobs -l app.kubernetes.io/name=backup --sort-by=.status.startTime`,
            `${kubectlApp} logs job/<failed job> --tail=100`,
        ],
        mitigation: [
            "Fix the cause from the logs and rerun the job by hand: `kubectl -n pneumonia create job --from=cronjob/backup-<kind> backup-<kind>-manual`.",
            "`interrupted by SIGTERM`: the Job hit its deadline or the pod was evicted; the upload was aborted and `latest.json` did not move. Check `kubectl -n pneumonia describe job <failed job>` (DeadlineExceeded) and node events.",
            "`lock timeout` (db): a migration or long transaction held an exclusive lock for longer than `PG_LOCK_WAIT_TIMEOUT`; rerun once it has finished.",
            "`holds no objects` (models): `MODELS_BUCKET`/`MODELS_PREFIX` point at an empty place; fix the CronJob's settings. Only if the artifact store is empty on purpose, run once with `--allow-empty`.",
            "`certificate` errors (db, RDS): the image's RDS CA bundle (`PGSSLROOTCERT`) does not cover the server's certificate (CA rotation); rebuild the runner image.",
            "A `verify` failure means a restore test failed: treat the latest backup of that data as unusable until a verify passes.",
        ],
        escalation: escalate.medium,
    },
} satisfies Record<string, Runbook>;

export function backupAlerts(config: MonitoringSettings): AlertDefinition[] {
    const backupKind = config.backupKinds[0];
    const backupLabels = { job: config.jobs.backups, kind: backupKind };
    const freshness = (kind: BackupKind) => {
        const f = config.backupFreshness[kind];
        if (!f) throw new Error(`monitoring.backupFreshness has no ${kind}`);
        return f;
    };
    const hours = (seconds: number) => `${Math.round((seconds / 3600) * 100) / 100} h`;
    const backupLimits = config.backupKinds.map((kind) => `${kind} ${hours(freshness(kind).maxAgeSeconds)}`).join(", ");
    /**
     * Successes of every kind on its schedule, sampled every `stepSeconds` for `steps` samples:
     * each sample holds the start of the kind's latest run; `stopped` kinds ran once, at 0, and
     * `missing` kinds never report.
     */
    const backupHistory = (stepSeconds: number, steps: number, stopped: BackupKind[] = [], missing: BackupKind[] = []) =>
        config.backupKinds
            .filter((kind) => !missing.includes(kind))
            .map((kind) => {
                const every = stopped.includes(kind) ? Infinity : freshness(kind).intervalSeconds;
                const phases: Array<{ steps: number; value: number }> = [];
                for (let i = 0; i < steps; i++) {
                    const value = Number.isFinite(every) ? Math.floor((i * stepSeconds) / every) * every : 0;
                    const last = phases[phases.length - 1];
                    if (last && last.value === value) last.steps++;
                    else phases.push({ steps: 1, value });
                }
                return backupSeries(config, kind, "success", phases);
            });
    /** Every kind's last success `belowLimit` seconds short of its limit at `atSeconds`. */
    const backupAgesAt = (atSeconds: number, belowLimit: number, stepSeconds: number) =>
        config.backupKinds.map((kind) =>
            backupSeries(config, kind, "success", [
                { steps: atSeconds / stepSeconds + 1, value: atSeconds - freshness(kind).maxAgeSeconds + belowLimit },
            ]),
        );
    const longestLimit = Math.max(...config.backupKinds.map((kind) => freshness(kind).maxAgeSeconds));
    const quarterHour = 900;
    /** The first quarter hour after `seconds`: the evaluation step the backup cases use. */
    const quarterAfter = (seconds: number) => (Math.floor(seconds / quarterHour) + 1) * quarterHour;

    return [
        {
            name: "BackupStale",
            severity: "high",
            service: "backups",
            // One limit per kind, from its schedule (infra/backups/schedule.ts). No `for`: the age only
            // grows until a success resets it, and the limit already includes the run's deadline.
            expr: config.backupKinds
                .map((kind) => `job_kind:pneumonia_backup_age_seconds:max${selector({ kind })} > ${freshness(kind).maxAgeSeconds}`)
                .join("\nor\n"),
            for: "0m",
            summary: "No successful {{ $labels.kind }} backup within its schedule and deadline",
            description: `The last successful {{ $labels.kind }} backup is older than the kind's schedule plus its job's deadline (${backupLimits}): the run that should have succeeded by now has not, and for a daily kind the 24-hour RPO is missed.`,
            runbook: runbooks.backupStale,
            tests: [
                {
                    title: "daily kinds fresh every day and verify weekly, for 8 days",
                    interval: "1h",
                    series: backupHistory(3600, 193),
                    at: "192h",
                    firing: [],
                    labels: backupLabels,
                },
                ...config.backupKinds.map((kind): AlertCase => ({
                    title: `the last ${kind} backup ${hours(Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds)))} ago, the others on schedule`,
                    interval: "15m",
                    series: backupHistory(quarterHour, Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds)) / quarterHour + 1, [
                        kind,
                    ]),
                    at: durationOf(Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds))),
                    firing: ["high"],
                    labels: { job: config.jobs.backups, kind },
                })),
                {
                    title: "every kind's last success one step under its limit",
                    interval: "15m",
                    series: backupAgesAt(quarterAfter(longestLimit), quarterHour, quarterHour),
                    at: durationOf(quarterAfter(longestLimit)),
                    firing: [],
                    labels: backupLabels,
                },
            ],
        },
        // One rule per kind: `for` is per rule, and each kind waits out its own schedule, so a new
        // stack is quiet until the kind's first run was due (a week for verify).
        ...config.backupKinds.map((kind): AlertDefinition => ({
            name: "BackupMissing",
            severity: "medium",
            service: "backups",
            variant: { kind },
            expr: `absent(pneumonia_backup_last_success_timestamp_seconds${selector({ job: config.jobs.backups, kind })})`,
            for: durationOf(freshness(kind).maxAgeSeconds),
            summary: "No successful {{ $labels.kind }} backup on record",
            description: `Prometheus has no successful ${kind} backup on record for ${hours(freshness(kind).maxAgeSeconds)} (its schedule's longest gap plus its job's deadline): it never ran, or the Pushgateway lost its data.`,
            runbook: runbooks.backupMissing,
            tests: [
                {
                    title: `${kind} never reported, past its limit`,
                    interval: "15m",
                    series: backupHistory(quarterHour, quarterAfter(freshness(kind).maxAgeSeconds) / quarterHour + 1, [], [kind]),
                    at: durationOf(quarterAfter(freshness(kind).maxAgeSeconds)),
                    firing: ["medium"],
                    labels: { job: config.jobs.backups, kind },
                },
                {
                    title: `a new stack before ${kind}'s first run was due`,
                    interval: "15m",
                    series: backupHistory(quarterHour, quarterAfter(freshness(kind).maxAgeSeconds) / quarterHour - 1, [], [kind]),
                    at: durationOf(quarterAfter(freshness(kind).maxAgeSeconds) - 2 * quarterHour),
                    firing: [],
                    labels: { job: config.jobs.backups, kind },
                },
            ],
        })),
        {
            name: "BackupFailed",
            severity: "medium",
            service: "backups",
            expr: "job_kind:pneumonia_backup_last_failure_timestamp_seconds:max\n> on(job, kind)\njob_kind:pneumonia_backup_last_success_timestamp_seconds:max",
            for: "1m",
            summary: "The last {{ $labels.kind }} backup failed",
            description: "The most recent {{ $labels.kind }} backup run failed after the last successful one.",
            runbook: runbooks.backupFailed,
            tests: [
                {
                    title: "failure after the last success",
                    interval: "1m",
                    series: [
                        backupSeries(config, backupKind, "success", [{ steps: 6, value: 1000 }]),
                        backupSeries(config, backupKind, "failure", [{ steps: 6, value: 5000 }]),
                    ],
                    at: "5m",
                    firing: ["medium"],
                    labels: backupLabels,
                },
                {
                    title: "success after the last failure",
                    interval: "1m",
                    series: [
                        backupSeries(config, backupKind, "success", [{ steps: 6, value: 5000 }]),
                        backupSeries(config, backupKind, "failure", [{ steps: 6, value: 1000 }]),
                    ],
                    at: "5m",
                    firing: [],
                    labels: backupLabels,
                },
            ],
        },
    ];
}
