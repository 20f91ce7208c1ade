// Pipeline-health alerts: the log pipeline watched through its own metrics, as Prometheus alert
// definitions (promtool-tested with the others). The manual's daily "log rotation functioning
// properly" becomes these plus the health check's log-ingestion line.
// Metric names: Alloy v1.18.1 reference, loki.write "Debug metrics"; Loki v3.7.6
// pkg/validation/validate.go (loki_discarded_samples_total{reason}) and
// pkg/storage/chunk/client/aws/s3_storage_client.go (loki_s3_request_duration_seconds{operation,status_code},
// status_code "200" or "500" by dskit's instrument.ErrorCode).
import type { AlertDefinition, Runbook } from "../observability/alerts";
import { counterValues, gauge, series } from "../observability/series";
import { agentNamespaceSuffix } from "./values";
import { alloyChart } from "../platform/charts";

/** The agent's DaemonSet: the chart's fullname is the release name when it contains "alloy". */
export const agentDaemonSet = alloyChart.releaseName;

const kubectl = "kubectl -n monitoring";
const agentNamespace = `monitoring${agentNamespaceSuffix}`;
const escalation = {
    high: "SEV-2: respond within 1 hour. Logs lost now cannot be collected later (the kubelet rotates and deletes them): escalate to SEV-1 if a detector incident is under way and its logs are missing.",
    medium: "SEV-3: handle within 4 hours, in working hours. Escalate to SEV-2 if lines start to be dropped (LogAgentDroppingLines) or searches come back empty.",
};

const runbooks = {
    agentDropping: {
        meaning:
            "The log agent (Grafana Alloy) gave up sending log lines to Loki after all retries: those lines are lost. Loki is down, unreachable through the NetworkPolicy, or rejecting everything.",
        firstCommands: [
            `kubectl -n ${agentNamespace} get pods -o wide`,
            `kubectl -n ${agentNamespace} logs ds/${agentDaemonSet} --since=15m | grep -iE "error|dropped|429|5[0-9][0-9]" | tail -n 40`,
            `${kubectl} get pods -l app.kubernetes.io/name=loki`,
        ],
        mitigation: [
            "If Loki pods are not ready, see LokiStoreRequestFailures and the Loki pod logs; restart a stuck pod.",
            "If Loki answers 429, the tenant's ingestion limit is too low for the volume: raise `logging.ingestionRateMb` / `logging.ingestionBurstMb` and redeploy.",
            "If the agent cannot connect, check the NetworkPolicy `loki` admits the agent's namespace on port 3100.",
        ],
        escalation: escalation.high,
    },
    agentRetrying: {
        meaning:
            "The log agent keeps retrying batches to Loki: pushes fail but nothing is lost yet (the agent buffers and retries with backoff).",
        firstCommands: [
            `kubectl -n ${agentNamespace} logs ds/${agentDaemonSet} --since=15m | grep -iE "error|retry" | tail -n 40`,
            `${kubectl} get pods -l app.kubernetes.io/name=loki`,
        ],
        mitigation: [
            "Find the status Loki answers with in the agent's log: 429 means rate limits (see LokiIngestionRejected), 5xx means Loki or its store is failing.",
            "Fix Loki before the retries run out and LogAgentDroppingLines fires.",
        ],
        escalation: escalation.medium,
    },
    agentUnavailable: {
        meaning:
            "Some nodes have no ready log agent: the logs of every pod on those nodes are not collected and are lost when the kubelet rotates them.",
        firstCommands: [
            `kubectl -n ${agentNamespace} get ds ${agentDaemonSet} -o wide`,
            `kubectl -n ${agentNamespace} get pods -o wide`,
            `kubectl -n ${agentNamespace} describe pods | tail -n 40`,
        ],
        mitigation: [
            "If a pod is Pending, the node lacks room for the agent's requests: free capacity or lower `alloy.resources`.",
            "If it crash-loops, read its log: a config error names the component and line; roll back the last logging change.",
        ],
        escalation: escalation.high,
    },
    lokiRejecting: {
        meaning:
            "Loki discards incoming lines (label `reason`): rate_limited or per_stream_rate_limit when the volume exceeds the tenant's limits, line_too_long, greater_than_max_sample_age for late lines, and so on. Those lines are lost.",
        firstCommands: [
            `${kubectl} logs -l app.kubernetes.io/name=loki --since=15m | grep -i discarded | tail -n 20`,
            "Grafana, logs dashboard: ingestion volume by app, to see which app grew",
        ],
        mitigation: [
            "rate_limited: raise `logging.ingestionRateMb` and `logging.ingestionBurstMb`, or find the app that floods (often a crash loop or debug logging) and fix it.",
            "greater_than_max_sample_age: an agent is far behind; check LogAgentRetrying.",
        ],
        escalation: escalation.medium,
    },
    storeFailing: {
        meaning:
            "Loki's requests to its object store (S3 or the in-cluster store) fail: chunks cannot be flushed or read, the compactor cannot apply retention, and ingesters fill their WAL.",
        firstCommands: [
            `${kubectl} logs -l app.kubernetes.io/name=loki --since=15m | grep -iE "s3|bucket|AccessDenied|KMS" | tail -n 20`,
            `${kubectl} get sa loki -o jsonpath='{.metadata.annotations}'`,
        ],
        mitigation: [
            "AccessDenied: the IRSA role or its KMS grant is wrong; compare with the plan (`npm run plan -- <stack> --json`) and redeploy.",
            "In local, check the object store pod `object-store` in the app namespace is ready.",
        ],
        escalation: escalation.high,
    },
} satisfies Record<string, Runbook>;

const agent = { job: agentDaemonSet, instance: "10.0.3.1:12345" };
const perStep = (steps: number, value: number) => counterValues([{ steps, value }]);

export function loggingPipelineAlerts(): AlertDefinition[] {
    return [
        {
            name: "LogAgentDroppingLines",
            severity: "high",
            service: "logging",
            expr: "sum by (instance) (increase(loki_write_dropped_entries_total[10m])) > 0",
            for: "5m",
            summary: "The log agent on {{ $labels.instance }} is dropping log lines",
            description:
                "The log agent on {{ $labels.instance }} dropped log lines it could not send to Loki after all retries in the last 10 minutes.",
            runbook: runbooks.agentDropping,
            tests: [
                {
                    title: "lines dropped",
                    interval: "1m",
                    series: [series("loki_write_dropped_entries_total", agent, perStep(16, 5))],
                    at: "15m",
                    firing: ["high"],
                    labels: { instance: agent.instance },
                },
                {
                    title: "nothing dropped",
                    interval: "1m",
                    series: [series("loki_write_dropped_entries_total", agent, perStep(16, 0))],
                    at: "15m",
                    firing: [],
                    labels: { instance: agent.instance },
                },
            ],
        },
        {
            name: "LogAgentRetrying",
            severity: "medium",
            service: "logging",
            expr: "sum by (instance) (rate(loki_write_batch_retries_total[10m])) > 0.1",
            for: "15m",
            summary: "The log agent on {{ $labels.instance }} cannot send to Loki",
            description: "The log agent on {{ $labels.instance }} has retried more than one batch per 10 seconds to Loki for 15 minutes.",
            runbook: runbooks.agentRetrying,
            tests: [
                {
                    title: "retrying 0.2 batches/s",
                    interval: "1m",
                    series: [series("loki_write_batch_retries_total", agent, perStep(31, 12))],
                    at: "30m",
                    firing: ["medium"],
                    labels: { instance: agent.instance },
                },
                {
                    title: "retrying just under 0.1 batches/s",
                    interval: "1m",
                    series: [series("loki_write_batch_retries_total", agent, perStep(31, 5.5))],
                    at: "30m",
                    firing: [],
                    labels: { instance: agent.instance },
                },
            ],
        },
        {
            name: "LogAgentUnavailable",
            severity: "high",
            service: "logging",
            expr: `max(kube_daemonset_status_number_unavailable{daemonset="${agentDaemonSet}"}) > 0`,
            for: "15m",
            summary: "Nodes without a ready log agent",
            description:
                "The log agent DaemonSet has had unavailable pods for 15 minutes: the logs of those nodes' pods are not collected.",
            runbook: runbooks.agentUnavailable,
            tests: [
                {
                    title: "one node without agent",
                    interval: "1m",
                    series: [
                        gauge(
                            "kube_daemonset_status_number_unavailable",
                            { daemonset: agentDaemonSet, namespace: agentNamespace, job: "kube-state-metrics" },
                            [{ steps: 21, value: 1 }],
                        ),
                    ],
                    at: "20m",
                    firing: ["high"],
                    labels: {},
                },
                {
                    title: "every node has its agent",
                    interval: "1m",
                    series: [
                        gauge(
                            "kube_daemonset_status_number_unavailable",
                            { daemonset: agentDaemonSet, namespace: agentNamespace, job: "kube-state-metrics" },
                            [{ steps: 21, value: 0 }],
                        ),
                    ],
                    at: "20m",
                    firing: [],
                    labels: {},
                },
            ],
        },
        {
            name: "LokiIngestionRejected",
            severity: "medium",
            service: "logging",
            expr: "sum by (reason) (rate(loki_discarded_samples_total[10m])) > 0",
            for: "10m",
            summary: "Loki rejects incoming log lines ({{ $labels.reason }})",
            description: "Loki has discarded incoming log lines for 10 minutes, reason {{ $labels.reason }}: those lines are lost.",
            runbook: runbooks.lokiRejecting,
            tests: [
                {
                    title: "rate limited",
                    interval: "1m",
                    series: [
                        series("loki_discarded_samples_total", { reason: "rate_limited", tenant: "fake", job: "loki" }, perStep(21, 30)),
                    ],
                    at: "20m",
                    firing: ["medium"],
                    labels: { reason: "rate_limited" },
                },
                {
                    title: "nothing discarded",
                    interval: "1m",
                    series: [
                        series("loki_discarded_samples_total", { reason: "rate_limited", tenant: "fake", job: "loki" }, perStep(21, 0)),
                    ],
                    at: "20m",
                    firing: [],
                    labels: { reason: "rate_limited" },
                },
            ],
        },
        {
            name: "LokiStoreRequestFailures",
            severity: "high",
            service: "logging",
            expr: 'sum by (operation) (rate(loki_s3_request_duration_seconds_count{status_code=~"5.."}[5m]))\n/\nsum by (operation) (rate(loki_s3_request_duration_seconds_count[5m]))\n> 0.05',
            for: "10m",
            summary: "Loki's object store requests fail ({{ $labels.operation }})",
            description: "More than 5 % of Loki's {{ $labels.operation }} requests to its object store failed over 10 minutes.",
            runbook: runbooks.storeFailing,
            tests: [
                {
                    title: "10 % of PutObject fail",
                    interval: "1m",
                    series: [
                        series(
                            "loki_s3_request_duration_seconds_count",
                            { operation: "S3.PutObject", status_code: "200", job: "loki" },
                            perStep(21, 90),
                        ),
                        series(
                            "loki_s3_request_duration_seconds_count",
                            { operation: "S3.PutObject", status_code: "500", job: "loki" },
                            perStep(21, 10),
                        ),
                    ],
                    at: "20m",
                    firing: ["high"],
                    labels: { operation: "S3.PutObject" },
                },
                {
                    title: "4 % of PutObject fail",
                    interval: "1m",
                    series: [
                        series(
                            "loki_s3_request_duration_seconds_count",
                            { operation: "S3.PutObject", status_code: "200", job: "loki" },
                            perStep(21, 96),
                        ),
                        series(
                            "loki_s3_request_duration_seconds_count",
                            { operation: "S3.PutObject", status_code: "500", job: "loki" },
                            perStep(21, 4),
                        ),
                    ],
                    at: "20m",
                    firing: [],
                    labels: { operation: "S3.PutObject" },
                },
            ],
        },
    ];
}
