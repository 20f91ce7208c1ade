// What the stacks render for monitoring, turned into the files a Prometheus and an Alertmanager on
// 127.0.0.1 load: the PrometheusRule objects of a stack's plan as one rule file, its ServiceMonitors
// as scrape configs pointing at local addresses, and its Alertmanager configuration with every
// receiver's endpoint pointing at a local webhook. Nothing in a rule or a route is changed.
import { stringify } from "yaml";
import type { Plan, PlannedResource } from "../../src/plan/run";

const ruleType = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const monitorType = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";

/** kube-prometheus-stack's always-firing heartbeat rule (chart templates/prometheus/rules-1.14/general.rules.yaml), which the chart, not our plan, installs. */
export const watchdogGroup = {
    name: "general.rules",
    rules: [
        {
            alert: "Watchdog",
            expr: "vector(1)",
            labels: { severity: "none" },
            annotations: { summary: "An alert that should always be firing to certify that Alertmanager is working properly." },
        },
    ],
};

/** Every rule group of the plan's PrometheusRule objects, plus the chart's Watchdog, as one rule file. */
export function rulesFile(plan: Plan): string {
    const groups = plan.resources
        .filter((r) => r.type === ruleType)
        .flatMap((r) => (r.inputs as { spec: { groups: unknown[] } }).spec.groups);
    if (!groups.length) throw new Error(`the plan of ${plan.stack} has no PrometheusRule`);
    return stringify({ groups: [...groups, watchdogGroup] }, { lineWidth: 0 });
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * One scrape config per ServiceMonitor endpoint whose Service has a local address, named and
 * relabelled as the Prometheus Operator generates them (job_name serviceMonitor/<ns>/<name>/<i>,
 * `relabelings` as relabel_configs: https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.RelabelConfig).
 * `targetLabels` are what the operator's Kubernetes service discovery would attach to a ServiceMonitor's
 * targets (`namespace`, `pod`, ...), given here as static labels. Returns the names of ServiceMonitors left out.
 */
export function scrapeConfigs(
    plan: Plan,
    addresses: Record<string, string>,
    interval: string,
    targetLabels: Record<string, Record<string, string>> = {},
): { configs: unknown[]; skipped: string[] } {
    const configs: unknown[] = [];
    const skipped: string[] = [];
    for (const monitor of plan.resources.filter((r: PlannedResource) => r.type === monitorType)) {
        const inputs = monitor.inputs as {
            metadata: { name: string; namespace: string };
            spec: { endpoints: Array<{ path?: string; honorLabels?: boolean; relabelings?: Array<Record<string, unknown>> }> };
        };
        const address = addresses[inputs.metadata.name];
        if (!address) {
            skipped.push(inputs.metadata.name);
            continue;
        }
        inputs.spec.endpoints.forEach((endpoint, i) => {
            configs.push({
                job_name: `serviceMonitor/${inputs.metadata.namespace}/${inputs.metadata.name}/${i}`,
                scrape_interval: interval,
                scrape_timeout: interval,
                metrics_path: endpoint.path ?? "/metrics",
                honor_labels: endpoint.honorLabels ?? false,
                static_configs: [
                    { targets: [address], ...(targetLabels[inputs.metadata.name] ? { labels: targetLabels[inputs.metadata.name] } : {}) },
                ],
                relabel_configs: (endpoint.relabelings ?? []).map((r) =>
                    Object.fromEntries(Object.entries(r).map(([k, v]) => [snake(k), k === "action" ? String(v).toLowerCase() : v])),
                ),
            });
        });
    }
    return { configs, skipped };
}

/** Where each integration of a receiver sends, in Alertmanager's configuration (https://prometheus.io/docs/alerting/latest/configuration/#receiver). */
const endpointKey: Record<string, string> = { pagerduty_configs: "url", slack_configs: "api_url", webhook_configs: "url" };

/**
 * The rendered Alertmanager configuration with each integration's endpoint replaced by
 * `<webhook>/<receiver>/<integration>`, so the webhook knows which receiver got what.
 */
export function alertmanagerForWebhook(rendered: Record<string, unknown>, webhook: string): Record<string, unknown> {
    const receivers = (rendered.receivers as Array<Record<string, unknown>>).map((receiver) => {
        const out: Record<string, unknown> = { ...receiver };
        for (const [key, value] of Object.entries(receiver)) {
            if (key === "name") continue;
            const field = endpointKey[key];
            if (!field) throw new Error(`receiver ${String(receiver.name)}: ${key} has no local stand-in in tests/e2e/rendered.ts`);
            out[key] = (value as Array<Record<string, unknown>>).map((integration) => ({
                ...integration,
                [field]: `${webhook}/${String(receiver.name)}/${key.replace(/_configs$/, "")}`,
            }));
        }
        return out;
    });
    return { ...rendered, receivers };
}
