// The condition evaluator and argument resolution of tests/e2e/canary-analysis.ts, against Argo
// Rollouts' documented semantics (https://argo-rollouts.readthedocs.io/en/stable/features/analysis/;
// v1.9.0 utils/evaluate/evaluate.go EvaluateResult), on the conditions the plan renders.
import * as assert from "node:assert/strict";
import { monitoringDefaults } from "../../infra/monitoring/config";
import { canaryMetrics, successCondition } from "../../infra/release/analysis";
import { evaluateCondition, measurementPhase, resolveArgs } from "./canary-analysis";

const rendered = canaryMetrics(monitoringDefaults("production").detector, "pneumonia").map(successCondition);

describe("canary analysis conditions (Argo Rollouts semantics)", () => {
    it("our rendered success conditions pass under the threshold, on NaN, and fail over it or on an empty result", () => {
        const errorRate = rendered[0]!;
        assert.equal(evaluateCondition(errorRate, [0.001]), true);
        assert.equal(evaluateCondition(errorRate, [Number.NaN]), true);
        assert.equal(evaluateCondition(errorRate, [0.05]), false);
        // len(result) == 1 short-circuits before result[0] on an empty vector, as expr-lang does.
        assert.equal(evaluateCondition(errorRate, []), false);
        assert.equal(evaluateCondition(rendered[1]!, [0.95]), false);
        assert.equal(evaluateCondition(rendered[1]!, [0.999]), true);
    });
    it("refuses what it does not implement, by name", () => {
        assert.throws(() => evaluateCondition("result[0] >= 0.95 and true", [1]), /unexpected "and"/);
        assert.throws(() => evaluateCondition("all(result, {# < 1})", [1]), /unsupported syntax|not supported/);
        assert.throws(() => evaluateCondition("result[0] < 1", []), /out of range/);
    });
    it("a measurement's phase: failureCondition true fails, both false is Inconclusive, neither set succeeds", () => {
        assert.equal(measurementPhase({ successCondition: "result[0] < 1" }, [2]), "Failed");
        assert.equal(measurementPhase({ failureCondition: "result[0] > 1" }, [0]), "Successful");
        assert.equal(measurementPhase({ successCondition: "result[0] < 1", failureCondition: "result[0] > 5" }, [3]), "Inconclusive");
        assert.equal(measurementPhase({ successCondition: "result[0] < 10", failureCondition: "result[0] > 5" }, [7]), "Failed");
        assert.equal(measurementPhase({}, [7]), "Successful");
    });
    it("resolves {{args.<name>}} and refuses an argument without a value", () => {
        assert.equal(resolveArgs('pod=~"detector-{{args.canary-hash}}-.*"', { "canary-hash": "abc" }, "t"), 'pod=~"detector-abc-.*"');
        assert.throws(() => resolveArgs("{{args.other}}", { "canary-hash": "abc" }, "t"), /t: failed to resolve \{\{args.other\}\}/);
    });
});
