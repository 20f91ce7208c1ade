// Log-based alerts, evaluated by Loki's ruler over LogQL and sent to the platform's Alertmanager
// with the same severity and service labels, so the same routes and inhibitions apply. Rendered
// as the Prometheus-format rule groups Loki's ruler reads (one file per tenant directory).
import { stringify } from "yaml";
import type { AlertDefinition } from "../observability/alerts";
import { runbookMarkdown } from "../observability/runbook";
import type { MonitoringSettings } from "../monitoring/config";

/** An alert like the metric ones, its `expr` a LogQL metric query compared with a threshold; tested by tests/infra/logging/rules.test.ts, not promtool. */
export type LogAlertDefinition = Omit<AlertDefinition, "tests">;

export function logRunbookPath(alertName: string): string {
    return `docs/logging/runbooks/${alertName}.md`;
}

const kubectlApp = "kubectl -n pneumonia";

/** Thresholds of the log-based alerts: counts of lines over the window of each query. */
export const logAlertThresholds = {
    /** Error lines from the detector in 5 minutes. */
    detectorErrors: 20,
    /** 401/403 answers of the front door to one caller (or, without a key, one source address) in 10 minutes. */
    authFailures: 10,
};

export function logAlertDefinitions(): LogAlertDefinition[] {
    const errorLevel = 'level=~"(?i)(error|critical|fatal)"';
    return [
        {
            name: "DetectorErrorLogBurst",
            severity: "high",
            service: "detector",
            expr: `sum by (namespace, pod) (count_over_time({app="detector", ${errorLevel}}[5m])) > ${logAlertThresholds.detectorErrors}`,
            for: "5m",
            summary: "Detector pod {{ $labels.pod }} logs a burst of errors",
            description: `Detector pod {{ $labels.pod }} wrote more than ${logAlertThresholds.detectorErrors} error lines in 5 minutes, for 5 minutes.`,
            runbook: {
                meaning:
                    "A detector pod is logging errors at a high rate. The metric alerts (DetectorErrorRateHigh, the burn rates) say whether users see failed predictions; this one says the pod itself reports trouble, which may come before them (model loading, MLflow, out of memory).",
                firstCommands: [
                    'Grafana Explore, data source Loki: {app="detector", level=~"(?i)(error|critical|fatal)"} over the last 30 minutes',
                    `${kubectlApp} logs <pod> --since=15m | tail -n 100`,
                    `${kubectlApp} get pods -l app.kubernetes.io/name=detector -o wide`,
                ],
                mitigation: [
                    "If the errors began with a deployment, roll back (`npm run rollback -- <stack>`).",
                    "If they name MLflow or the model registry, check MlflowDown and PostgresDown.",
                    "If one pod alone errs, delete it so the Deployment replaces it, and keep its logs (they stay in Loki).",
                ],
                escalation: "SEV-2: respond within 1 hour. Escalate to SEV-1 if DetectorDown or a critical burn-rate alert joins it.",
            },
        },
        {
            name: "RepeatedAuthenticationFailures",
            severity: "high",
            service: "logging",
            // Per caller and source: a request without a key has no client id, so its address names it.
            expr: `sum by (client, client_ip) (count_over_time({log_class="access"} | status=~"401|403" [10m])) > ${logAlertThresholds.authFailures}`,
            for: "5m",
            summary: "Repeated authentication failures from {{ $labels.client }} at {{ $labels.client_ip }}",
            description: `The front door refused client {{ $labels.client }} from {{ $labels.client_ip }} (401/403) more than ${logAlertThresholds.authFailures} times in 10 minutes: a misconfigured client or someone guessing credentials.`,
            runbook: {
                meaning:
                    "The manual's weekly review of access and authentication logs, as an alert: one caller keeps failing authentication at the front door. Either a client's credentials expired or were rotated, or someone is trying credentials.",
                firstCommands: [
                    'Grafana Explore, data source Loki: {log_class="access"} | status=~"401|403" | client_ip="<client_ip>" over the last hour',
                    'Grafana, logs dashboard: "Authentication failures by caller and source" panel',
                ],
                mitigation: [
                    "If the caller is a known client, tell its owner to renew its credentials.",
                    "If unknown or the attempts continue, block the caller at the front door and record the incident.",
                ],
                escalation:
                    "SEV-2: respond within 1 hour. Escalate to SEV-1 (security incident) if a failure streak ends in a success from the same unknown caller.",
            },
        },
        {
            name: "BackupRunnerErrors",
            severity: "medium",
            service: "backups",
            // The runner writes one line "error: <what failed>" on stderr before it exits 1 (src/backup/cli.ts).
            expr: 'sum by (namespace, pod) (count_over_time({log_class="backup"} |~ "^error: " [15m])) > 0',
            for: "0m",
            summary: "A backup job reported an error ({{ $labels.pod }})",
            description:
                "Backup job pod {{ $labels.pod }} wrote an error line: the run failed or is failing. BackupFailed and BackupStale follow from the Pushgateway if it does not recover.",
            runbook: {
                meaning:
                    "A backup CronJob's runner wrote an `error:` line: the line names what failed (database, bucket, checksum, Pushgateway).",
                firstCommands: [
                    'Grafana Explore, data source Loki: {log_class="backup"} over the last 24 hours',
                    `${kubectlApp} get jobs -l app.kubernetes.io/name=backup`,
                    `${kubectlApp} get cronjobs`,
                ],
                mitigation: [
                    "Fix what the error line names, then run the job again: `kubectl -n pneumonia create job --from=cronjob/<name> <name>-manual`.",
                    "See docs/backups.md for restore and verification.",
                ],
                escalation: "SEV-3: handle within 4 hours. Escalate to SEV-2 when BackupStale fires (the 24-hour RPO is at risk).",
            },
        },
    ];
}

/**
 * Series Loki's ruler records from the front door's access log and writes to Prometheus (ruler
 * remote_write): Envoy's own stats have no caller, its access line does. Requests per second by
 * caller id (`client`, empty for a request without a valid key) and status; the source address is
 * left out, as every address on the internet would be a series (it is in the logs and in
 * RepeatedAuthenticationFailures).
 */
export const accessRecordingRules = [
    { record: "edge_client:requests:rate5m", expr: 'sum by (client, status) (rate({log_class="access"}[5m]))' },
] as const;
export const edgeClientRequestsRate = accessRecordingRules[0].record;

/** The rule groups Loki's ruler loads, one per service, with the labels Alertmanager routes on. */
export function lokiRuleGroups(monitoring: Pick<MonitoringSettings, "runbookBaseUrl">) {
    const definitions = logAlertDefinitions();
    const runbookUrl = (name: string) =>
        monitoring.runbookBaseUrl ? `${monitoring.runbookBaseUrl}/${logRunbookPath(name)}` : logRunbookPath(name);
    const services = [...new Set(definitions.map((d) => d.service))];
    const recording = { name: "pneumonia-logs-edge-access", interval: "1m", rules: accessRecordingRules.map((r) => ({ ...r })) };
    return [
        recording,
        ...services.map((service) => ({
            name: `pneumonia-logs-${service}`,
            rules: definitions
                .filter((d) => d.service === service)
                .map((d) => ({
                    alert: d.name,
                    expr: d.expr,
                    for: d.for,
                    labels: { severity: d.severity, service: d.service },
                    annotations: { summary: d.summary, description: d.description, runbook_url: runbookUrl(d.name) },
                })),
        })),
    ];
}

export function lokiRulesYaml(monitoring: Pick<MonitoringSettings, "runbookBaseUrl">): string {
    return stringify({ groups: lokiRuleGroups(monitoring) }, { lineWidth: 0 });
}

export function logRunbookFiles(): Array<{ path: string; content: string }> {
    return logAlertDefinitions().map((d) => ({
        path: logRunbookPath(d.name),
        content: runbookMarkdown(
            d.name,
            [d],
            "infra/logging/rules.ts by `npm run --silent logging:docs` (a log-based alert, evaluated by Loki's ruler)",
        ),
    }));
}
