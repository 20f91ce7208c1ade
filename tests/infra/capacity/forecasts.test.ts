// The capacity forecasts, run by the real promtool (Debian's prometheus package) against the rules
// the stacks deploy. predict_linear and deriv are Prometheus' least-squares regression over the range
// (https://prometheus.io/docs/prometheus/latest/querying/functions/#predict_linear): a synthetic
// history that rises linearly must give back the crossing date it was built with, a flat one none.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import {
    backupSizeForecastRecord,
    capacityForecastAlerts,
    crossingRecord,
    flatHistory,
    forecastTargets,
    historyStep,
    trendHistory,
} from "../../../infra/capacity/forecasts";
import { scalingTriggers } from "../../../infra/observability/objectives";
import { alertmanagerArtifact } from "../../../infra/monitoring/alertmanager";
import { receiverFor } from "../../../infra/observability/runbook";
import type { MonitoringSettings } from "../../../infra/monitoring/config";
import { definitionTests, groupsRead, groupsReading, promtoolTestFile, runTool } from "../../../infra/monitoring/promtool";
import { ruleGroups } from "../../../infra/monitoring/rules";
import { series } from "../../../infra/observability/series";
import { scratchDir, stackConfig } from "../monitoring/helpers";

interface ExprTest {
    name: string;
    interval: string;
    input_series: Array<{ series: string; values: string }>;
    promql_expr_test: Array<{ expr: string; eval_time: string; exp_samples: Array<{ labels: string; value: number }> }>;
}

const config = stackConfig("production").monitoring;
const targets = forecastTargets(config);

function labelsOf(labels: Record<string, string>, name: string): string {
    return `${name}{${Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(", ")}}`;
}

describe("capacity: forecast rules (promtool)", function () {
    // 28 days of 4-hour steps: seconds of promtool CPU, but a minute and more of wall time when the machine is loaded.
    this.timeout(300_000);
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("capacity-forecasts")));
    after(() => dir.remove());

    // Each file loads only the rule groups its expressions read (28 days of 4-hour steps over every
    // rule of the platform would cost promtool most of this file's time for nothing).
    const run = async (rulesConfig: MonitoringSettings, file: string, tests: ExprTest[]) => {
        const groups = groupsReading(
            ruleGroups(rulesConfig),
            tests.flatMap((t) => t.promql_expr_test.map((e) => e.expr)),
        );
        assert.ok(groups.length > 0, "the expressions read no recorded series");
        writeFileSync(join(dir.path, `${file}-rules.yaml`), stringify({ groups }, { lineWidth: 0 }));
        writeFileSync(
            join(dir.path, `${file}.yaml`),
            stringify({ rule_files: [`${file}-rules.yaml`], evaluation_interval: historyStep, tests }, { lineWidth: 0 }),
        );
        return runTool("promtool", ["test", "rules", `${file}.yaml`], dir.path);
    };

    it("each trigger's recorded crossing is the date a linear 4-week trend reaches it, and absent for a flat series", async () => {
        const days = (trigger: string) => `round(${crossingRecord}{trigger="${trigger}"} / 86400)`;
        const tests: ExprTest[] = targets.flatMap((t) => [
            {
                name: `${t.trigger}: rising to the trigger in 14 days`,
                interval: historyStep,
                input_series: trendHistory(t, t.slopePerDay, 14),
                promql_expr_test: [
                    {
                        expr: days(t.trigger),
                        eval_time: "28d",
                        exp_samples: [{ labels: labelsOf({ ...t.labels, trigger: t.trigger }, ""), value: 14 }],
                    },
                ],
            },
            {
                name: `${t.trigger}: flat`,
                interval: historyStep,
                input_series: flatHistory(t),
                promql_expr_test: [{ expr: days(t.trigger), eval_time: "28d", exp_samples: [] }],
            },
        ]);
        const result = await run(config, "crossing", tests);
        assert.equal(result.code, 0, result.output);
    });

    it("forecasts nothing from less than a week of history, however steep (a fresh stack opens no ticket)", async () => {
        const days = (trigger: string) => `round(${crossingRecord}{trigger="${trigger}"} / 86400)`;
        // The same rising histories that give a date at 28 d, read on day 5: the regression alone would
        // extrapolate them, the rules' minimumHistory guard keeps them quiet.
        const tests: ExprTest[] = targets.map((t) => ({
            name: `${t.trigger}: rising, 5 days of history`,
            interval: historyStep,
            input_series: trendHistory(t, t.slopePerDay, 14),
            promql_expr_test: [{ expr: days(t.trigger), eval_time: "5d", exp_samples: [] }],
        }));
        const result = await run(config, "young", tests);
        assert.equal(result.code, 0, result.output);
    });

    it("a wrong crossing date fails promtool (the test can fail)", async () => {
        const [cpu] = targets;
        const result = await run(config, "wrong", [
            {
                name: "cpu in 14 days, expected 20",
                interval: historyStep,
                input_series: trendHistory(cpu, cpu.slopePerDay, 14),
                promql_expr_test: [
                    {
                        expr: `round(${crossingRecord}{trigger="cpu"} / 86400)`,
                        eval_time: "28d",
                        exp_samples: [{ labels: labelsOf({ ...cpu.labels, trigger: "cpu" }, ""), value: 20 }],
                    },
                ],
            },
        ]);
        assert.notEqual(result.code, 0);
        assert.match(result.output, /got: \{job="pneumonia-detector", trigger="cpu"\} 1\.4E\+01/);
    });

    it("the backup size forecast extends a linear growth by capacity.forecastDays, and holds a flat size", async () => {
        const mib = 2 ** 20;
        const size = (values: string) => [series("pneumonia_backup_last_size_bytes", { job: config.jobs.backups, kind: "db" }, values)];
        const steps = 28 * 6;
        const expr = `round(${backupSizeForecastRecord} / ${mib})`;
        const labels = labelsOf({ job: config.jobs.backups, kind: "db" }, "");
        const result = await run(config, "backups", [
            // 100 MiB growing 1 MiB a day: 128 MiB at day 28, 158 MiB 30 days later.
            {
                name: "growing",
                interval: historyStep,
                input_series: size(`${100 * mib}+${mib / 6}x${steps}`),
                promql_expr_test: [{ expr, eval_time: "28d", exp_samples: [{ labels, value: 158 }] }],
            },
            {
                name: "flat",
                interval: historyStep,
                input_series: size(`${100 * mib}x${steps}`),
                promql_expr_test: [{ expr, eval_time: "28d", exp_samples: [{ labels, value: 100 }] }],
            },
        ]);
        assert.equal(result.code, 0, result.output);
    });

    it("the forecast alerts follow capacity.forecastDays: a crossing in 14 days is quiet with a 10-day horizon", async () => {
        const shortHorizon: MonitoringSettings = { ...config, capacity: { forecastDays: 10 } };
        const names = new Set(capacityForecastAlerts(shortHorizon).map((d) => d.name));
        const tests = (definitionTests(shortHorizon).get(historyStep) ?? [])
            .filter((t) => names.has(t.alert_rule_test[0].alertname) && t.name.includes("in 14 days"))
            .map((t) => ({ ...t, alert_rule_test: t.alert_rule_test.map((a) => ({ ...a, exp_alerts: [] })) }));
        assert.equal(tests.length, targets.length);
        const groups = groupsRead(ruleGroups(shortHorizon), [...names]);
        writeFileSync(join(dir.path, "short-rules.yaml"), stringify({ groups }, { lineWidth: 0 }));
        writeFileSync(join(dir.path, "short.yaml"), promtoolTestFile("short-rules.yaml", historyStep, tests));
        const result = await runTool("promtool", ["test", "rules", "short.yaml"], dir.path);
        assert.equal(result.code, 0, result.output);
    });

    // Alertmanager's own routing (amtool config routes test, prometheus/alertmanager docs) decides
    // where the forecasts go: the SEV-4 receiver in business hours, never a pager.
    it("Alertmanager routes every forecast alert to the SEV-4 receiver and pages nobody (amtool)", async () => {
        writeFileSync(join(dir.path, "alertmanager.yaml"), alertmanagerArtifact(config));
        for (const a of capacityForecastAlerts(config)) {
            const labels = [`alertname=${a.name}`, `severity=${a.severity}`, `service=${a.service}`];
            const routed = await runTool(
                "amtool",
                ["config", "routes", "test", "--config.file=alertmanager.yaml", `--verify.receivers=${receiverFor.low}`, ...labels],
                dir.path,
            );
            assert.equal(routed.code, 0, routed.output);
            const paged = await runTool(
                "amtool",
                ["config", "routes", "test", "--config.file=alertmanager.yaml", `--verify.receivers=${receiverFor.critical}`, ...labels],
                dir.path,
            );
            assert.notEqual(paged.code, 0, `${a.name} must not page`);
        }
    });

    it("one SEV-4 forecast alert per scaling trigger of the manual, plus volume fill", () => {
        const alerts = capacityForecastAlerts(config);
        assert.deepEqual(
            targets.map((t) => t.trigger),
            [...Object.keys(scalingTriggers), "volume"],
        );
        for (const a of alerts) {
            assert.equal(a.severity, "low", a.name);
            assert.match(a.expr, /< 30 \* 86400$/, a.name);
            assert.match(a.expr, /predict_linear\([^)]*\[4w\]/, a.name);
        }
    });
});
