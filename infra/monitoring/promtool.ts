// Renders the alert definitions' test cases as `promtool test rules` files: for every alert, the
// histories that must fire it after its `for` and the ones just under its threshold that must not.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { stringify } from "yaml";
import { alertDefinitions } from "./alerts";
import { type AlertCase, type AlertDefinition, type Duration, durationSeconds } from "../observability/alerts";
import type { MonitoringSettings } from "./config";
import type { RuleGroup } from "../observability/rules";
import { alertRule, type Rule } from "./rules";
import type { InputSeries } from "../observability/series";

export interface ExpectedAlert {
    exp_labels: Record<string, string>;
    exp_annotations: Record<string, string>;
}

export interface AlertRuleTest {
    eval_time: Duration;
    alertname: string;
    exp_alerts: ExpectedAlert[];
}

export interface PromtoolTest {
    name: string;
    interval: Duration;
    input_series: InputSeries[];
    alert_rule_test: AlertRuleTest[];
}

/** Expands `{{ $labels.x }}` the way Prometheus does for the label values the test expects. */
function expand(template: string, labels: Record<string, string>): string {
    return template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, name: string) => labels[name] ?? "");
}

/** The alerts named `alertname` that fire with `labels`, one per severity in `firing`. */
export function expectedAlerts(
    config: MonitoringSettings,
    definitions: AlertDefinition[],
    alertname: string,
    firing: readonly string[],
    labels: Record<string, string>,
): ExpectedAlert[] {
    return firing.map((severity) => {
        const covers = (d: AlertDefinition) => !d.variant || Object.entries(d.variant).every(([k, v]) => labels[k] === v);
        const def = definitions.find((d) => d.name === alertname && d.severity === severity && covers(d));
        if (!def) throw new Error(`no alert ${alertname} with severity ${severity}`);
        const rule = alertRule(config, def);
        const expLabels = { ...labels, ...rule.labels };
        const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, expLabels)]));
        return { exp_labels: expLabels, exp_annotations: annotations };
    });
}

function caseTest(config: MonitoringSettings, definitions: AlertDefinition[], def: AlertDefinition, c: AlertCase): PromtoolTest {
    return {
        name: `${def.name} (${def.severity}): ${c.title}`,
        interval: c.interval,
        input_series: c.series,
        alert_rule_test: [
            { eval_time: c.at, alertname: def.name, exp_alerts: expectedAlerts(config, definitions, def.name, c.firing, c.labels) },
        ],
    };
}

/** One definition's cases as promtool tests. */
export function caseTests(config: MonitoringSettings, definitions: AlertDefinition[], def: AlertDefinition): PromtoolTest[] {
    return def.tests.map((c) => caseTest(config, definitions, def, c));
}

/** Every definition's cases, grouped by interval because promtool has one evaluation interval per file. */
export function definitionTests(config: MonitoringSettings): Map<Duration, PromtoolTest[]> {
    const definitions = alertDefinitions(config);
    const byInterval = new Map<Duration, PromtoolTest[]>();
    for (const def of definitions) {
        for (const c of def.tests) {
            const tests = byInterval.get(c.interval) ?? [];
            tests.push(caseTest(config, definitions, def, c));
            byInterval.set(c.interval, tests);
        }
    }
    return byInterval;
}

export function promtoolTestFile(rulesFile: string, evaluationInterval: Duration, tests: PromtoolTest[]): string {
    return promtoolTestFiles([rulesFile], evaluationInterval, tests);
}

function promtoolTestFiles(ruleFiles: string[], evaluationInterval: Duration, tests: PromtoolTest[]): string {
    return stringify({ rule_files: ruleFiles, evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 });
}

export interface PromtoolFile {
    path: string;
    content: string;
}

/**
 * The rule groups, in their order, that `exprs` read: the groups recording a series they name and,
 * transitively, what those recordings read. Prometheus and promtool evaluate groups one after
 * another in file order, so a subset in the same order evaluates those rules exactly as the whole
 * file does.
 */
export function groupsReading(groups: RuleGroup<Rule>[], exprs: readonly string[], rules: readonly Rule[] = []): RuleGroup<Rule>[] {
    const recorded = new Map(groups.flatMap((g) => g.rules.flatMap((r) => ("record" in r ? [[r.record, r] as const] : []))));
    const needed = new Set<Rule>();
    const read = (expr: string) => {
        for (const name of expr.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []) {
            const source = recorded.get(name);
            if (source && !needed.has(source)) {
                needed.add(source);
                read(source.expr);
            }
        }
    };
    for (const rule of rules) {
        needed.add(rule);
        read(rule.expr);
    }
    exprs.forEach(read);
    return groups.filter((g) => g.rules.some((r) => needed.has(r)));
}

/** The rule groups, in their order, that the alerts named `alertnames` need: their own and what they read. */
export function groupsRead(groups: RuleGroup<Rule>[], alertnames: readonly string[]): RuleGroup<Rule>[] {
    const alerts = alertnames.flatMap((alertname) => {
        const rules = groups.flatMap((g) => g.rules.filter((r) => "alert" in r && r.alert === alertname));
        // A case against rules without its alert would pass every "stays quiet" check unseen.
        if (rules.length === 0) throw new Error(`no rule group defines alert ${alertname}`);
        return rules;
    });
    return groupsReading(groups, [], alerts);
}

export interface ScopedTestFiles {
    /** One rules file per group: `rules-<group>.yaml`. */
    rules: PromtoolFile[];
    /** Test files, each loading only the groups its cases read, spread over the batches. */
    batches: PromtoolFile[][];
}

/**
 * The suite as test files in which every case loads only the rule groups its alerts read (the
 * scenarios, which check every alert, load them all): an evaluation step costs one evaluation per
 * loaded rule, so a case of one alert no longer evaluates the whole platform's rules. Cases of one
 * interval and one set of groups share a file; the files are spread over `batches` lists of about
 * equal work (steps times rules), one `promtool test rules` run each.
 */
export function scopedTestFiles(groups: RuleGroup<Rule>[], tests: Map<Duration, PromtoolTest[]>, batches: number): ScopedTestFiles {
    const ruleFile = (g: RuleGroup<Rule>) => `rules-${g.name}.yaml`;
    const files = new Map<string, { interval: Duration; read: RuleGroup<Rule>[]; tests: PromtoolTest[]; cost: number }>();
    for (const [interval, group] of tests) {
        for (const t of group) {
            const read = groupsRead(groups, [...new Set(t.alert_rule_test.map((a) => a.alertname))]);
            const key = `tests-${interval}-${read.map((g) => g.name).join("+")}`;
            const file = files.get(key) ?? { interval, read, tests: [], cost: 0 };
            const steps = Math.max(...t.alert_rule_test.map((a) => durationSeconds(a.eval_time))) / durationSeconds(interval);
            file.tests.push(t);
            file.cost += steps * read.reduce((n, g) => n + g.rules.length, 0);
            files.set(key, file);
        }
    }
    const bins = Array.from({ length: Math.max(1, Math.min(batches, files.size)) }, () => ({ cost: 0, files: [] as PromtoolFile[] }));
    [...files.entries()]
        .sort(([, a], [, b]) => b.cost - a.cost)
        .forEach(([, f], i) => {
            const bin = bins.reduce((min, b) => (b.cost < min.cost ? b : min));
            bin.files.push({
                path: `tests-${f.interval}-${i + 1}.yaml`,
                content: promtoolTestFiles(f.read.map(ruleFile), f.interval, f.tests),
            });
            bin.cost += f.cost;
        });
    return {
        rules: groups.map((g) => ({ path: ruleFile(g), content: stringify({ groups: [g] }, { lineWidth: 0 }) })),
        batches: bins.map((b) => b.files),
    };
}

export interface ToolResult {
    args: string[];
    code: number;
    output: string;
}

/** Runs a command without a shell; resolves with its exit code and combined output. */
export function runTool(command: string, args: string[], cwd: string): Promise<ToolResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ args, code: code ?? 1, output }));
    });
}

/** `promtool test rules` once per batch of files, as many batches at once as the machine has cores. */
export async function promtoolTestRules(dir: string, batches: string[][]): Promise<ToolResult[]> {
    const queue = batches.filter((b) => b.length > 0);
    const results: ToolResult[] = [];
    const worker = async () => {
        for (let files = queue.shift(); files !== undefined; files = queue.shift()) {
            results.push(await runTool("promtool", ["test", "rules", ...files], dir));
        }
    };
    await Promise.all(Array.from({ length: availableParallelism() }, worker));
    return results;
}
