import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../../infra/config";
import { modelDashboard, modelQualityAlerts } from "../../../infra/detector/model-quality";
import { stackConfig } from "../monitoring/helpers";

describe("monitoring: model quality", () => {
    const config = stackConfig("production").monitoring;

    it("alerts at SEV-3 on drift of the positive share and on a confidence drop, against the 7 days before", () => {
        const alerts = modelQualityAlerts(config);
        assert.deepEqual(
            alerts.map((a) => [a.name, a.severity]),
            [
                ["ModelPredictionDrift", "medium"],
                ["ModelConfidenceDrop", "medium"],
            ],
        );
        for (const a of alerts) {
            assert.match(a.expr, /\[1d\]/);
            assert.match(a.expr, /\[7d\] offset 1d/);
            assert.match(a.expr, />= 100$/, "too few predictions are not judged");
        }
        assert.match(alerts[0]!.expr, /prediction_total\{job="pneumonia-detector",class="pneumonia"\}/);
        assert.match(alerts[1]!.expr, /prediction_confidence_sum/);
    });

    it("takes its band from the stack config", () => {
        const raw = { environment: "local", detector: { image: "repo:1.0.0" }, monitoring: { modelQuality: { positiveShareBand: 0.05 } } };
        const parsed = parsePlatformConfig(raw as Record<string, unknown>, "local");
        assert.match(modelQualityAlerts(parsed.monitoring)[0]!.expr, /\) > 0\.05\n/);
        assert.throws(
            () =>
                parsePlatformConfig({ ...raw, monitoring: { modelQuality: { positiveShareBand: 2 } } } as Record<string, unknown>, "local"),
            /^ConfigError: monitoring\.modelQuality\.positiveShareBand: expected a number from 0 to 1, got 2$/,
        );
    });

    it("has a model dashboard with daily volume, positive rate, confidence distribution, model version and the staging load test", () => {
        const titles = (modelDashboard(config).json.panels as Array<{ title: string }>).map((p) => p.title);
        for (const title of [
            "Daily inference volume",
            "Positive (pneumonia) rate",
            "Confidence distribution",
            "Mean confidence",
            "Model version",
            "Load test p95 (staging)",
            "Load test errors (staging)",
        ])
            assert.ok(titles.includes(title), title);
    });
});
