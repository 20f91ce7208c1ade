// Alertmanager routing by severity, generated from code. The receivers' keys and URLs are secrets:
// the cluster gets this config inside a Kubernetes Secret built from secret Outputs, and the
// rendered artifact carries placeholders in their place.
import { stringify } from "yaml";
import { severities, type Severity, severityClasses } from "../observability/alerts";
import { receiverFor } from "../observability/runbook";
import type { MonitoringSettings } from "./config";

export const receiverSecretKeys = ["pagerdutyRoutingKey", "slackWebhookUrl", "ticketWebhookUrl", "heartbeatUrl"] as const;
export type ReceiverSecretKey = (typeof receiverSecretKeys)[number];
export type ReceiverSecrets = Partial<Record<ReceiverSecretKey, string>>;

/**
 * What a stack lacking receiver secrets is told. A paged stack (monitoring.paged) cannot page
 * without them, so `pulumi up` stops before anything is declared; a preview and the offline plan
 * cannot read secrets and only warn. An unpaged cloud stack warns that those alerts are dropped;
 * `local` pages nobody and says nothing. `present` are the secret keys the stack config holds.
 */
export function missingReceivers(
    config: Pick<MonitoringSettings, "paged">,
    environment: string,
    present: readonly string[],
    dryRun: boolean,
): { error?: string; warning?: string } {
    const missing = receiverSecretKeys.filter((key) => !present.includes(key));
    if (missing.length === 0) return {};
    const command = `pulumi config set --secret ${missing[0]} <value>${missing.length > 1 ? ` (and likewise ${missing.slice(1).join(", ")})` : ""}`;
    if (config.paged && !dryRun) return { error: `${missing.join(", ")}: required, the stack pages (monitoring.paged): ${command}` };
    if (config.paged)
        return { warning: `no ${missing.join(", ")} in the stack config: pulumi up will refuse to run until set: ${command}` };
    if (environment === "local") return {};
    return { warning: `no ${missing.join(", ")} in the stack config: alerts routed there are dropped` };
}

/** Stand-ins for the rendered artifact: the right shape for amtool, obviously not real. */
export const secretPlaceholders: Record<ReceiverSecretKey, string> = {
    pagerdutyRoutingKey: "<secret:pagerdutyRoutingKey>",
    slackWebhookUrl: "https://secret.invalid/slackWebhookUrl",
    ticketWebhookUrl: "https://secret.invalid/ticketWebhookUrl",
    heartbeatUrl: "https://secret.invalid/heartbeatUrl",
};

interface Timing {
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
}

/**
 * Sized to the manual's response targets: a SEV-1 pages within seconds and re-notifies every
 * 15 minutes (its response target) until resolved; a SEV-2 re-notifies hourly; SEV-3 tickets
 * batch for minutes and remind every 4 hours; SEV-4 waits for business hours.
 */
export const timings: Record<Severity, Timing> = {
    critical: { group_wait: "10s", group_interval: "1m", repeat_interval: "15m" },
    high: { group_wait: "30s", group_interval: "5m", repeat_interval: "1h" },
    medium: { group_wait: "5m", group_interval: "15m", repeat_interval: "4h" },
    low: { group_wait: "5m", group_interval: "1h", repeat_interval: "24h" },
};

const businessHours = "business-hours";

/**
 * The dead man's switch of a paged stack (one with a heartbeat URL: staging and production). The
 * chart's always-firing Watchdog is sent to it every `repeat_interval`; the heartbeat service
 * (PagerDuty heartbeat, Healthchecks or similar, expecting a ping every 5 minutes) pages when the
 * pings stop, so a broken Prometheus -> Alertmanager -> pager path is itself noticed.
 */
export const heartbeat = { receiver: "heartbeat", group_wait: "0s", group_interval: "1m", repeat_interval: "5m" } as const;

const slackText =
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}";

function slack(url: string | undefined, severity: Severity) {
    if (!url) return [];
    const title = `[{{ .Status | toUpper }}] ${severityClasses[severity].sev} {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})`;
    return [{ api_url: url, send_resolved: true, title, text: slackText }];
}

export function alertmanagerConfig(config: MonitoringSettings, secrets: ReceiverSecrets): Record<string, unknown> {
    const pagerduty = (severity: "critical" | "error") =>
        secrets.pagerdutyRoutingKey
            ? [
                  {
                      routing_key: secrets.pagerdutyRoutingKey,
                      severity,
                      send_resolved: true,
                      description: "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}",
                  },
              ]
            : [];
    const receivers = [
        { name: "null" },
        { name: receiverFor.critical, pagerduty_configs: pagerduty("critical"), slack_configs: slack(secrets.slackWebhookUrl, "critical") },
        { name: receiverFor.high, pagerduty_configs: pagerduty("error"), slack_configs: slack(secrets.slackWebhookUrl, "high") },
        {
            name: receiverFor.medium,
            webhook_configs: secrets.ticketWebhookUrl ? [{ url: secrets.ticketWebhookUrl, send_resolved: true }] : [],
            slack_configs: slack(secrets.slackWebhookUrl, "medium"),
        },
        { name: receiverFor.low, slack_configs: slack(secrets.slackWebhookUrl, "low") },
        ...(secrets.heartbeatUrl
            ? [{ name: heartbeat.receiver, webhook_configs: [{ url: secrets.heartbeatUrl, send_resolved: false }] }]
            : []),
    ].map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => !Array.isArray(v) || v.length > 0)));

    const severityRoute = (severity: Severity) => ({
        receiver: receiverFor[severity],
        // kube-prometheus-stack's own rules say `warning` where ours say `medium`: both are SEV-3.
        matchers: [severity === "medium" ? 'severity=~"medium|warning"' : `severity="${severity}"`],
        ...timings[severity],
        ...(severity === "low" ? { group_by: ["service"], active_time_intervals: [businessHours] } : {}),
    });

    return {
        route: {
            receiver: receiverFor.medium,
            group_by: ["alertname", "service"],
            ...timings.medium,
            routes: [
                ...(secrets.heartbeatUrl ? [{ ...heartbeat, matchers: ['alertname="Watchdog"'], group_by: ["alertname"] }] : []),
                // The chart's always-firing Watchdog and its info inhibitor are plumbing, not incidents.
                { receiver: "null", matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
                ...severities.map(severityRoute),
                { receiver: "null", matchers: ['severity=~"info|none"'] },
            ],
        },
        inhibit_rules: [
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity=~"high|medium|low|warning|info"'],
                equal: ["alertname", "service"],
            },
            // With no detector serving, its error, latency and resource alerts only repeat the outage.
            {
                source_matchers: ['alertname="DetectorDown"'],
                target_matchers: ['service="detector"', 'alertname!="DetectorDown"'],
                equal: ["service"],
            },
        ],
        receivers,
        time_intervals: [
            {
                name: businessHours,
                time_intervals: [
                    {
                        weekdays: ["monday:friday"],
                        times: [{ start_time: config.businessHours.start, end_time: config.businessHours.end }],
                        location: config.businessHours.location,
                    },
                ],
            },
        ],
    };
}

export function alertmanagerYaml(config: MonitoringSettings, secrets: ReceiverSecrets): string {
    return stringify(alertmanagerConfig(config, secrets), { lineWidth: 0 });
}

/** The rendered artifact: every receiver configured, every secret a placeholder. */
export function alertmanagerArtifact(config: MonitoringSettings): string {
    return alertmanagerYaml(config, secretPlaceholders);
}
