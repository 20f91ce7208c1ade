import { stackPolicy } from "../lib/definitions";
import { helmTypes } from "../lib/kubernetes";
import { manual } from "../lib/sources";

export const prometheusRuleType = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

export const stackMonitoring = stackPolicy<{ chart: string; minAlertRules: number }>(
    {
        name: "stack-monitoring",
        description: "The stack deploys the monitoring stack (the kube-prometheus-stack Helm chart) and PrometheusRule alert rules.",
        severity: "high",
        framework: manual("Monitoring and Alerting"),
        remediationSteps: "Deploy the monitoring component: a kube-prometheus-stack Release and the platform's PrometheusRules.",
    },
    {
        chart: { type: "string", default: "kube-prometheus-stack", description: "The monitoring chart." },
        minAlertRules: { type: "integer", minimum: 1, default: 1, description: "Fewest alerting rules across all PrometheusRules." },
    },
    (args, report, config) => {
        const charts = args.resources.filter((r) => helmTypes.includes(r.type) && typeof r.props.chart === "string");
        const named = (chart: string) => chart === config.chart || chart.endsWith(`/${config.chart}`);
        if (!charts.some((c) => named(c.props.chart))) report(`no Helm release of the ${config.chart} chart: the stack has no monitoring`);
        const rules = args.resources.filter((r) => r.type === prometheusRuleType);
        const alerts = rules.flatMap((r) => (r.props.spec?.groups ?? []).flatMap((g: any) => (g.rules ?? []).filter((rule: any) => rule.alert)));
        if (alerts.length < config.minAlertRules) {
            report(`${rules.length} PrometheusRule(s) with ${alerts.length} alerting rule(s); at least ${config.minAlertRules} required`);
        }
    },
);
