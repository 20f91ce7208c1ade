// The capacity dashboard's own properties; tests/infra/monitoring/dashboards.test.ts parses every
// query of it with promtool and checks it reads only known metrics, like the other dashboards.
import { strict as assert } from "node:assert";
import { capacityDashboard } from "../../../infra/capacity/dashboard";
import { crossingRecord } from "../../../infra/capacity/forecasts";
import { sizedContainers } from "../../../infra/capacity/usage";
import { scalingTriggers } from "../../../infra/observability/objectives";
import { stackConfig } from "../monitoring/helpers";

type Panel = {
    title: string;
    targets: Array<{ expr: string; legendFormat: string }>;
    fieldConfig: { defaults: { thresholds: { steps: Array<{ value: number | null }> } } };
};

describe("capacity: Grafana dashboard", () => {
    const config = stackConfig("production");
    const board = capacityDashboard(config.monitoring, config.kubernetes.appNamespace);
    const panels = board.json.panels as Panel[];
    const limit = (title: string) =>
        panels.find((p) => p.title.startsWith(title))!.fieldConfig.defaults.thresholds.steps.map((s) => s.value);

    it("shows days until each trigger, red within capacity.forecastDays", () => {
        const days = panels.filter((p) => p.targets.some((t) => t.expr.startsWith(crossingRecord)));
        assert.equal(days.length, 2);
        for (const p of days)
            assert.deepEqual(
                p.fieldConfig.defaults.thresholds.steps.map((s) => s.value),
                [null, 30],
            );
        const other = capacityDashboard({ ...config.monitoring, capacity: { forecastDays: 45 } }, "pneumonia").json.panels as Panel[];
        assert.equal(other[0].fieldConfig.defaults.thresholds.steps[1].value, 45);
    });

    it("draws each scaling trigger's threshold from the manual", () => {
        assert.deepEqual(limit("CPU, average"), [null, scalingTriggers.cpu.percent]);
        assert.deepEqual(limit("Memory, average"), [null, scalingTriggers.memory.percent]);
        assert.deepEqual(limit("Response time"), [null, scalingTriggers.latency.seconds]);
        assert.deepEqual(limit("Error rate"), [null, scalingTriggers.errorRate.ratio]);
    });

    it("sets request against p95 usage and the recommendation for the detector, MLflow and the backup jobs, in the app namespace", () => {
        for (const resource of ["CPU", "Memory"]) {
            const legends = panels.find((p) => p.title.startsWith(`${resource}: request`))!.targets.map((t) => t.legendFormat);
            assert.deepEqual(
                legends,
                sizedContainers.flatMap((c) => [`${c} request`, `${c} p95 usage`, `${c} recommended (p95 + 15 %)`]),
            );
        }
        const exprs = panels.flatMap((p) => p.targets.map((t) => t.expr)).filter((e) => e.includes("container="));
        assert.ok(exprs.length > 0);
        for (const e of exprs) assert.match(e, /namespace="pneumonia"/);
    });
});
