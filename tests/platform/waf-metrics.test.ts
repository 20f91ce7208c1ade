// Item 7, verified: the CloudWatch exporter must select the WebACL dimension by the ACL's metric name.
import { strict as assert } from "node:assert";
import { wafMetricNames } from "../../infra/edge/load-balancer";
import { wafMetricsConfig } from "../../infra/edge/monitoring";
import { platformOf, renderPlatform, type RenderedObject } from "./render";
import { checkWafDimensions } from "./waf-metrics";

describe("platform: WAF metrics for EdgeWafBlockedSpike", () => {
    for (const stack of ["staging", "production"]) {
        it(`${stack}: the exporter selects BlockedRequests by the web ACL's CloudWatch dimension value`, async () => {
            const { acls, findings } = checkWafDimensions(await renderPlatform(stack));
            assert.deepEqual(acls, [wafMetricNames.acl]);
            assert.deepEqual(findings, []);
        });
    }

    it("selecting by the ACL's name (what it did before) is a finding", async () => {
        const production = await renderPlatform("production");
        const byName = (o: RenderedObject): RenderedObject =>
            o.object.kind === "ConfigMap" && o.source === "chart:edge-waf-metrics"
                ? { ...o, object: { ...o.object, data: { "config.yml": wafMetricsConfig("eu-west-1", "edge-load-balancer") } } }
                : o;
        const { findings } = checkWafDimensions(platformOf("production", production.objects.map(byName), production));
        assert.deepEqual(findings, [
            `ConfigMap/monitoring/edge-waf-metrics-prometheus-cloudwatch-exporter (chart:edge-waf-metrics): BlockedRequests selects WebACL "edge-load-balancer", but the web ACLs' CloudWatch dimension values are "${wafMetricNames.acl}"`,
        ]);
    });
});
