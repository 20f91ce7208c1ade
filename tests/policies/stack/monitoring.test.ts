import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, monitoringRelease, prometheusRule } from "../factory";

describe("stack/monitoring", () => {
    it("passes kube-prometheus-stack with alert rules (chart named with its repository too)", async () => {
        assert.deepEqual(await messages("stack-monitoring", [monitoringRelease(), prometheusRule(["DetectorDown"])]), []);
        const qualified = edit(monitoringRelease(), (p) => (p.chart = "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack"));
        assert.deepEqual(await messages("stack-monitoring", [qualified, prometheusRule(["DetectorDown"])]), []);
    });
    it("flags a stack without the chart or without alerting rules", async () => {
        assert.deepEqual(await messages("stack-monitoring", [prometheusRule([])]), [
            "no Helm release of the kube-prometheus-stack chart: the stack has no monitoring",
            "1 PrometheusRule(s) with 0 alerting rule(s); at least 1 required",
        ]);
    });
});
