import { stackPolicy } from "../lib/definitions";
import { helmTypes } from "../lib/kubernetes";
import { manual } from "../lib/sources";

export const prometheusRuleType = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

/** How an operator sets the base URL the runbook links need. */
const setBaseUrl =
    "set monitoring.runbookBaseUrl (pulumi config set --path monitoring.runbookBaseUrl https://github.com/<org>/<repo>/blob/main)";

export const stackMonitoring = stackPolicy<{ chart: string; minAlertRules: number; requireRunbookUrls: boolean }>(
    {
        name: "stack-monitoring",
        description:
            "The stack deploys the monitoring stack (the kube-prometheus-stack Helm chart) and PrometheusRule alert rules whose runbook links open from a pager.",
        severity: "high",
        framework: manual("Monitoring and Alerting"),
        remediationSteps: `Deploy the monitoring component: a kube-prometheus-stack Release and the platform's PrometheusRules; ${setBaseUrl}.`,
    },
    {
        chart: { type: "string", default: "kube-prometheus-stack", description: "The monitoring chart." },
        minAlertRules: { type: "integer", minimum: 1, default: 1, description: "Fewest alerting rules across all PrometheusRules." },
        requireRunbookUrls: {
            type: "boolean",
            default: true,
            description:
                "Every alerting rule's runbook_url is an https URL: a pager or chat message shows a repository path as plain text.",
        },
    },
    (args, report, config) => {
        const charts = args.resources.filter((r) => helmTypes.includes(r.type) && typeof r.props.chart === "string");
        const named = (chart: string) => chart === config.chart || chart.endsWith(`/${config.chart}`);
        if (!charts.some((c) => named(c.props.chart))) report(`no Helm release of the ${config.chart} chart: the stack has no monitoring`);
        const rules = args.resources.filter((r) => r.type === prometheusRuleType);
        // prometheus-operator's PrometheusRule: spec.groups[].rules[], alerting when `alert` is set.
        type Rule = { alert?: string; annotations?: Record<string, unknown> };
        const alerts = rules.flatMap((r) =>
            ((r.props.spec?.groups ?? []) as { rules?: Rule[] }[]).flatMap((g) => (g.rules ?? []).filter((rule) => rule.alert)),
        );
        if (alerts.length < config.minAlertRules) {
            report(`${rules.length} PrometheusRule(s) with ${alerts.length} alerting rule(s); at least ${config.minAlertRules} required`);
        }
        if (config.requireRunbookUrls) {
            const unlinked = alerts.filter((rule) => !/^https:\/\/\S+$/.test(String(rule.annotations?.runbook_url ?? "")));
            if (unlinked.length > 0) {
                const [first] = unlinked;
                const shown = first.annotations?.runbook_url === undefined ? "none" : JSON.stringify(first.annotations.runbook_url);
                report(
                    `${unlinked.length} of ${alerts.length} alerting rule(s) have no https runbook_url (${first.alert}: ${shown}): ${setBaseUrl}`,
                );
            }
        }
    },
);
