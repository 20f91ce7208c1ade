import { strict as assert } from "node:assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { backupDeadlineSeconds } from "../../../infra/backups/schedule";
import { recoveryPointObjectives } from "../../../infra/observability/objectives";
import { alertDefinitions } from "../../../infra/monitoring/alerts";
import {
    definitionTests,
    promtoolTestFile,
    promtoolTestRules,
    runTool,
    shardedTestFiles,
    type PromtoolTest,
} from "../../../infra/monitoring/promtool";
import { checkDefinitions, rulesYaml } from "../../../infra/monitoring/rules";
import { ruleTestSuite } from "../../../infra/monitoring/scenarios";
import { scratchDir, stackConfig, stacks } from "./helpers";

describe("monitoring: Prometheus rules", () => {
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("rules")));
    after(() => dir.remove());

    for (const stack of stacks) {
        it(`${stack}: the rendered rules pass promtool check rules`, async () => {
            const file = join(dir.path, `${stack}-rules.yaml`);
            writeFileSync(file, rulesYaml(stackConfig(stack).monitoring));
            const result = await runTool("promtool", ["check", "rules", file], dir.path);
            assert.equal(result.code, 0, result.output);
            assert.match(result.output, /SUCCESS: \d+ rules found/);
        });
    }

    it("promtool check rules rejects a broken expression (the check can fail)", async () => {
        const file = join(dir.path, "broken.yaml");
        writeFileSync(file, rulesYaml(stackConfig("production").monitoring).replace("job:up:sum{", "job:up:sum{{"));
        const result = await runTool("promtool", ["check", "rules", file], dir.path);
        assert.notEqual(result.code, 0);
    });

    // The rules depend only on the monitoring config: stacks with the same rules share one run.
    const distinct = new Map<string, string[]>();
    for (const stack of stacks) {
        const rules = rulesYaml(stackConfig(stack).monitoring);
        distinct.set(rules, [...(distinct.get(rules) ?? []), stack]);
    }
    for (const [rules, sharing] of distinct) {
        it(`${sharing.join(", ")}: every alert fires after its for and not just under its threshold; the scenarios hold`, async () => {
            const config = stackConfig(sharing[0]).monitoring;
            const sub = join(dir.path, sharing.join("-"));
            mkdirSync(sub);
            writeFileSync(join(sub, "rules.yaml"), rules);
            const files = shardedTestFiles("rules.yaml", ruleTestSuite(config), availableParallelism());
            for (const f of files) writeFileSync(join(sub, f.path), f.content);
            const results = await promtoolTestRules(sub, files.map((f) => f.path));
            const failed = results.filter((r) => r.code !== 0);
            assert.deepEqual(failed.map((r) => r.output), []);
        });
    }

    it("a wrong expectation makes promtool test rules fail (the tests can fail)", async () => {
        const config = stackConfig("production").monitoring;
        writeFileSync(join(dir.path, "rules.yaml"), rulesYaml(config));
        const [firing] = definitionTests(config).get("1m")!.filter((t) => t.name.startsWith("DetectorErrorRateHigh") && t.alert_rule_test[0].exp_alerts.length > 0);
        const silenced: PromtoolTest = { ...firing, alert_rule_test: [{ ...firing.alert_rule_test[0], exp_alerts: [] }] };
        writeFileSync(join(dir.path, "wrong.yaml"), promtoolTestFile("rules.yaml", "1m", [silenced]));
        const result = await runTool("promtool", ["test", "rules", "wrong.yaml"], dir.path);
        assert.notEqual(result.code, 0);
        assert.match(result.output, /DetectorErrorRateHigh/);
    });

    it("every alert has severity, service, summary, description and a runbook_url to docs/runbooks", () => {
        const groups = (parse(rulesYaml(stackConfig("production").monitoring)) as { groups: Array<{ rules: Array<Record<string, any>> }> }).groups;
        const alerts = groups.flatMap((g) => g.rules).filter((r) => "alert" in r);
        assert.ok(alerts.length >= 20);
        for (const a of alerts) {
            assert.match(a.labels.severity, /^(critical|high|medium|low)$/, a.alert);
            assert.ok(a.labels.service, a.alert);
            assert.ok(a.annotations.summary && a.annotations.description, a.alert);
            // Production links the repository's web address (Pulumi.production.yaml), which a pager can open.
            assert.equal(a.annotations.runbook_url, `${stackConfig("production").monitoring.runbookBaseUrl}/docs/runbooks/${a.alert}.md`);
        }
    });

    it("covers every threshold of the manual", () => {
        const exprs = new Map(alertDefinitions(stackConfig("production").monitoring).map((d) => [`${d.name}/${d.severity}`, d.expr]));
        const expect = (key: string, pattern: RegExp) => assert.match(exprs.get(key) ?? "", pattern, key);
        expect("DetectorErrorBudgetBurn/critical", /ratio_rate1h\{[^}]*\} > 0\.0144\nand\n.*ratio_rate5m/);
        expect("DetectorErrorBudgetBurn/high", /ratio_rate6h\{[^}]*\} > 0\.006\b/);
        expect("DetectorLatencyBudgetBurn/critical", /inference_slow:ratio_rate1h\{[^}]*\} > 0\.144\b/);
        expect("DetectorErrorRateHigh/high", /ratio_rate5m\{[^}]*\} > 0\.01$/);
        expect("DetectorLatencyHigh/high", /avg5m\{[^}]*\} > 2$/);
        expect("DetectorCpuHigh/medium", /> 80$/);
        expect("DetectorMemoryHigh/high", /> 85$/);
        expect("NodeDiskSpaceLow/medium", /< 0\.2$/);
        expect("DetectorCpuCapacity/low", /\[1w\]\) > 70$/);
        expect("DetectorMemoryCapacity/low", /\[1w\]\) > 75$/);
        expect("DetectorLatencyCapacity/low", /avg1d\{[^}]*\} > 1\.5$/);
        expect("DetectorErrorRateCapacity/low", /ratio_rate1d\{[^}]*\} > 0\.005$/);
        // Daily kinds: the 24 h RPO plus the job's deadline; the weekly verify: 7 days plus its deadline.
        const dbLimit = recoveryPointObjectives.database + backupDeadlineSeconds.db;
        expect("BackupStale/high", new RegExp(`\\{kind="db"\\} > ${dbLimit}\n`));
        expect("BackupStale/high", new RegExp(`\\{kind="verify"\\} > ${7 * 86400 + backupDeadlineSeconds.verify}$`));
    });

    it("rejects a definition without a quiet case, naming the alert", () => {
        const [def] = alertDefinitions(stackConfig("production").monitoring);
        const onlyFiring = { ...def, tests: def.tests.filter((t) => t.firing.includes(def.severity)) };
        assert.throws(() => checkDefinitions([onlyFiring]), /alert DetectorDown \(critical\): no test case where it stays quiet/);
    });

    it("rejects a case checked before the alert's for can elapse", () => {
        const def = alertDefinitions(stackConfig("production").monitoring).find((d) => d.name === "DetectorErrorRateHigh")!;
        const early = { ...def, tests: def.tests.map((t) => ({ ...t, at: "1m" as const })) };
        assert.throws(() => checkDefinitions([early]), /checks at 1m, before its for \(5m\)/);
    });
});
