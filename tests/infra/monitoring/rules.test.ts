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
    groupsRead,
    promtoolTestFile,
    promtoolTestRules,
    runTool,
    scopedTestFiles,
    type PromtoolTest,
} from "../../../infra/monitoring/promtool";
import { checkDefinitions, ruleGroups, rulesYaml } from "../../../infra/monitoring/rules";
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

    // The rules depend only on the monitoring config: stacks with the same rules share one run. The
    // stacks differ only in runbook_url, a plain annotation promtool compares but never evaluates
    // (its value is checked for every alert below), so the key leaves the link's base out.
    const distinct = new Map<string, string[]>();
    for (const stack of stacks) {
        const rules = rulesYaml({ ...stackConfig(stack).monitoring, runbookBaseUrl: undefined });
        distinct.set(rules, [...(distinct.get(rules) ?? []), stack]);
    }
    for (const sharing of distinct.values()) {
        it(`${sharing.join(", ")}: every alert fires after its for and not just under its threshold; the scenarios hold`, async () => {
            const config = stackConfig(sharing[0]).monitoring;
            const sub = join(dir.path, sharing.join("-"));
            mkdirSync(sub);
            const { rules, batches } = scopedTestFiles(ruleGroups(config), ruleTestSuite(config), availableParallelism());
            for (const f of [...rules, ...batches.flat()]) writeFileSync(join(sub, f.path), f.content);
            const results = await promtoolTestRules(
                sub,
                batches.map((b) => b.map((f) => f.path)),
            );
            const failed = results.filter((r) => r.code !== 0);
            assert.deepEqual(
                failed.map((r) => r.output),
                [],
            );
            // About 20 s of promtool CPU, but minutes of wall time when the shared machine is loaded.
        }).timeout(300_000);
    }

    it("a case loads its alert's group and the groups recording what it reads, in file order; the scenarios load what every alert reads", () => {
        const config = stackConfig("production").monitoring;
        const groups = ruleGroups(config);
        const names = (alerts: string[]) => groupsRead(groups, alerts).map((g) => g.name);
        // DetectorErrorRateHigh reads job:inference_errors:ratio_rate5m (infra/monitoring/recording.ts).
        const read = names(["DetectorErrorRateHigh"]);
        assert.ok(read.includes("pneumonia-detector") && read.includes("pneumonia-detector-slo"), read.join(", "));
        assert.ok(!read.includes("pneumonia-backups") && !read.includes("pneumonia-edge"), read.join(", "));
        assert.deepEqual(
            read,
            groups.map((g) => g.name).filter((g) => read.includes(g)),
        );
        assert.deepEqual(names(["BackupStale"]), ["pneumonia-backups"]);
        assert.throws(() => groupsRead(groups, ["NoSuchAlert"]), /no rule group defines alert NoSuchAlert/);
        const { rules, batches } = scopedTestFiles(groups, ruleTestSuite(config), 2);
        assert.equal(rules.length, groups.length);
        const files = batches.flat().map((f) => parse(f.content) as { rule_files: string[]; tests: PromtoolTest[] });
        for (const f of files) {
            for (const t of f.tests)
                assert.deepEqual(
                    f.rule_files,
                    names([...new Set(t.alert_rule_test.map((a) => a.alertname))]).map((g) => `rules-${g}.yaml`),
                    t.name,
                );
        }
        // The healthy scenario checks that no alert fires, so it loads what every alert reads.
        const everyAlert = [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => ("alert" in r ? [r.alert] : []))))];
        const healthy = files.find((f) => f.tests.some((t) => t.name.startsWith("scenario: a healthy system")))!;
        assert.deepEqual(
            healthy.rule_files,
            names(everyAlert).map((g) => `rules-${g}.yaml`),
        );
        assert.ok(healthy.rule_files.length >= groups.length - 1, healthy.rule_files.join(", "));
        // Every case is in exactly one file.
        const cases = files.flatMap((f) => f.tests.map((t) => t.name));
        assert.deepEqual(
            cases.sort(),
            [...ruleTestSuite(config).values()]
                .flat()
                .map((t) => t.name)
                .sort(),
        );
    });

    it("a wrong expectation makes promtool test rules fail (the tests can fail)", async () => {
        const config = stackConfig("production").monitoring;
        writeFileSync(join(dir.path, "rules.yaml"), rulesYaml(config));
        const [firing] = definitionTests(config)
            .get("1m")!
            .filter((t) => t.name.startsWith("DetectorErrorRateHigh") && t.alert_rule_test[0].exp_alerts.length > 0);
        const silenced: PromtoolTest = { ...firing, alert_rule_test: [{ ...firing.alert_rule_test[0], exp_alerts: [] }] };
        writeFileSync(join(dir.path, "wrong.yaml"), promtoolTestFile("rules.yaml", "1m", [silenced]));
        const result = await runTool("promtool", ["test", "rules", "wrong.yaml"], dir.path);
        assert.notEqual(result.code, 0);
        assert.match(result.output, /DetectorErrorRateHigh/);
    });

    it("every alert has severity, service, summary, description and a runbook_url to docs/runbooks", () => {
        const groups = (parse(rulesYaml(stackConfig("production").monitoring)) as { groups: Array<{ rules: Array<Record<string, any>> }> })
            .groups;
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
