import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, monitoringRelease, prometheusRule } from "../factory";

describe("stack/monitoring", () => {
    it("passes kube-prometheus-stack with alert rules (chart named with its repository too)", async () => {
        assert.deepEqual(await messages("stack-monitoring", [monitoringRelease(), prometheusRule(["DetectorDown"])]), []);
        const qualified = edit(monitoringRelease(), (p) => (p.chart = "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack"));
        assert.deepEqual(await messages("stack-monitoring", [qualified, prometheusRule(["DetectorDown"])]), []);
    });
    it("flags alert rules whose runbook_url a pager cannot open, saying how to fix it", async () => {
        const paths = edit(
            prometheusRule(["DetectorDown", "MlflowDown"]),
            (p) => (p.spec.groups[0].rules[1].annotations.runbook_url = "docs/runbooks/MlflowDown.md"),
        );
        const fix =
            "set monitoring.runbookBaseUrl (pulumi config set --path monitoring.runbookBaseUrl https://github.com/<org>/<repo>/blob/main)";
        assert.deepEqual(await messages("stack-monitoring", [monitoringRelease(), paths]), [
            `1 of 2 alerting rule(s) have no https runbook_url (MlflowDown: "docs/runbooks/MlflowDown.md"): ${fix}`,
        ]);
        const none = edit(prometheusRule(["DetectorDown"]), (p) => delete p.spec.groups[0].rules[0].annotations);
        assert.deepEqual(await messages("stack-monitoring", [monitoringRelease(), none]), [
            `1 of 1 alerting rule(s) have no https runbook_url (DetectorDown: none): ${fix}`,
        ]);
        // A laptop stack may keep repository paths.
        assert.deepEqual(await messages("stack-monitoring", [monitoringRelease(), paths], { requireRunbookUrls: false }), []);
    });
    it("flags a stack without the chart or without alerting rules", async () => {
        assert.deepEqual(await messages("stack-monitoring", [prometheusRule([])]), [
            "no Helm release of the kube-prometheus-stack chart: the stack has no monitoring",
            "1 PrometheusRule(s) with 0 alerting rule(s); at least 1 required",
        ]);
    });
});
