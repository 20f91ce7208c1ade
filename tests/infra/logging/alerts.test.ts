// The pipeline-health alerts through promtool, the Prometheus project's own rule tester: each
// fires on its failing history and stays quiet on the healthy or just-under one.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { alertDefinitions } from "../../../infra/monitoring/alerts";
import { expectedAlerts, promtoolTestFile, runTool, type PromtoolTest } from "../../../infra/monitoring/promtool";
import { alertRule, checkDefinitions } from "../../../infra/monitoring/rules";
import { loggingPipelineAlerts } from "../../../infra/logging/alerts";
import { scratchDir, stackConfig } from "../monitoring/helpers";

describe("logging: pipeline-health alerts (promtool)", () => {
    const config = stackConfig("production").monitoring;
    const definitions = loggingPipelineAlerts();
    let dir: ReturnType<typeof scratchDir>;
    before(() => {
        dir = scratchDir("logging-alerts");
        writeFileSync(
            join(dir.path, "rules.yaml"),
            stringify({ groups: [{ name: "pneumonia-logging", rules: definitions.map((d) => alertRule(config, d)) }] }, { lineWidth: 0 }),
        );
    });
    after(() => dir.remove());

    it("are in the platform's alert list, each with a firing and a quiet case", () => {
        const names = alertDefinitions(config).map((d) => d.name);
        for (const d of definitions) assert.ok(names.includes(d.name), d.name);
        checkDefinitions(definitions);
        assert.deepEqual([...new Set(definitions.map((d) => d.service))], ["logging"]);
    });

    it("fire on a broken pipeline and stay quiet on a healthy one", async () => {
        const tests: PromtoolTest[] = definitions.flatMap((def) =>
            def.tests.map((c) => ({
                name: `${def.name}: ${c.title}`,
                interval: c.interval,
                input_series: c.series,
                alert_rule_test: [
                    { eval_time: c.at, alertname: def.name, exp_alerts: expectedAlerts(config, definitions, def.name, c.firing, c.labels) },
                ],
            })),
        );
        writeFileSync(join(dir.path, "tests.yaml"), promtoolTestFile("rules.yaml", "1m", tests));
        const result = await runTool("promtool", ["test", "rules", "tests.yaml"], dir.path);
        assert.equal(result.code, 0, result.output);
    });

    it("promtool fails the suite when a quiet case is expected to fire (the test can fail)", async () => {
        const def = definitions[0];
        const quiet = def.tests.find((t) => t.firing.length === 0)!;
        const wrong: PromtoolTest = {
            name: "expects the quiet case to fire",
            interval: quiet.interval,
            input_series: quiet.series,
            alert_rule_test: [
                {
                    eval_time: quiet.at,
                    alertname: def.name,
                    exp_alerts: expectedAlerts(config, definitions, def.name, [def.severity], quiet.labels),
                },
            ],
        };
        writeFileSync(join(dir.path, "wrong.yaml"), promtoolTestFile("rules.yaml", "1m", [wrong]));
        const result = await runTool("promtool", ["test", "rules", "wrong.yaml"], dir.path);
        assert.notEqual(result.code, 0);
    });
});
