// EdgeWafBlockedSpike reads aws_wafv2_blocked_requests_sum from the CloudWatch exporter, which asks
// CloudWatch for BlockedRequests with WebACL = the value it selects. That dimension's value is the web
// ACL's VisibilityConfig.MetricName, not its name ("MetricName: a name of the Amazon CloudWatch metric
// dimension", https://docs.aws.amazon.com/waf/latest/APIReference/API_VisibilityConfig.html;
// https://docs.aws.amazon.com/waf/latest/developerguide/waf-metrics.html): selecting anything else
// returns no series and the alert can never fire.
import { parse } from "yaml";
import type { RenderedPlatform } from "./render";

interface ExporterMetric {
    aws_namespace: string;
    aws_metric_name: string;
    aws_dimension_select?: Record<string, string[]>;
}

/** Each web ACL's metric name against what the rendered exporter configs select; [] when they agree. */
export function checkWafDimensions(platform: RenderedPlatform): { acls: string[]; findings: string[] } {
    const acls = platform.plan.resources
        .filter((r) => r.type === "aws:wafv2/webAcl:WebAcl")
        .map((r) => (r.inputs.visibilityConfig as { metricName: string }).metricName);
    const findings: string[] = [];
    for (const { object, source } of platform.byKind("ConfigMap")) {
        const text = (object.data as Record<string, string> | undefined)?.["config.yml"];
        if (!text || !text.includes("AWS/WAFV2")) continue;
        for (const metric of ((parse(text) as { metrics?: ExporterMetric[] }).metrics ?? []).filter(
            (m) => m.aws_namespace === "AWS/WAFV2",
        )) {
            for (const selected of metric.aws_dimension_select?.WebACL ?? []) {
                if (!acls.includes(selected))
                    findings.push(
                        `ConfigMap/${object.metadata.namespace}/${object.metadata.name} (${source}): ${metric.aws_metric_name} selects WebACL "${selected}", but the web ACLs' CloudWatch dimension values are ${acls.map((a) => `"${a}"`).join(", ") || "none"}`,
                    );
            }
        }
    }
    return { acls, findings };
}
