// Renders the alert definitions' test cases as `promtool test rules` files: for every alert, the
// histories that must fire it after its `for` and the ones just under its threshold that must not.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { stringify } from "yaml";
import { alertDefinitions } from "./alerts";
import { type AlertCase, type AlertDefinition, type Duration, durationSeconds } from "../observability/alerts";
import type { MonitoringSettings } from "./config";
import { alertRule } from "./rules";
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
        alert_rule_test: [{ eval_time: c.at, alertname: def.name, exp_alerts: expectedAlerts(config, definitions, def.name, c.firing, c.labels) }],
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
    return stringify({ rule_files: [rulesFile], evaluation_interval: evaluationInterval, tests }, { lineWidth: 0 });
}

export interface PromtoolFile {
    path: string;
    content: string;
}

/**
 * Test files for `rulesFile`, the tests of each evaluation interval spread over `shards` files of
 * about equal work (evaluation steps), so promtool runs can share the machine's cores.
 */
export function shardedTestFiles(rulesFile: string, tests: Map<Duration, PromtoolTest[]>, shards: number): PromtoolFile[] {
    const files: PromtoolFile[] = [];
    for (const [interval, group] of tests) {
        const cost = (t: PromtoolTest) => Math.max(...t.alert_rule_test.map((a) => durationSeconds(a.eval_time))) / durationSeconds(interval);
        const bins = Array.from({ length: Math.min(shards, group.length) }, () => ({ cost: 0, tests: [] as PromtoolTest[] }));
        for (const t of [...group].sort((a, b) => cost(b) - cost(a))) {
            const bin = bins.reduce((min, b) => (b.cost < min.cost ? b : min));
            bin.tests.push(t);
            bin.cost += cost(t);
        }
        bins.forEach((bin, i) => files.push({ path: `tests-${interval}-${i + 1}.yaml`, content: promtoolTestFile(rulesFile, interval, bin.tests) }));
    }
    return files;
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

/** `promtool test rules` on each file, as many at once as the machine has cores. */
export async function promtoolTestRules(dir: string, files: string[]): Promise<ToolResult[]> {
    const queue = [...files];
    const results: ToolResult[] = [];
    const worker = async () => {
        for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
            results.push(await runTool("promtool", ["test", "rules", file], dir));
        }
    };
    await Promise.all(Array.from({ length: availableParallelism() }, worker));
    return results;
}
