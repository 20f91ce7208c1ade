// Renders the alert definitions' test cases as `promtool test rules` files: for every alert, the
// histories that must fire it after its `for` and the ones just under its threshold that must not.
import { stringify } from "yaml";
import { alertDefinitions, type AlertCase, type AlertDefinition, type Duration } from "./alerts";
import type { MonitoringConfig } from "./config";
import { alertRule } from "./rules";
import type { InputSeries } from "./series";

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
    config: MonitoringConfig,
    definitions: AlertDefinition[],
    alertname: string,
    firing: readonly string[],
    labels: Record<string, string>,
): ExpectedAlert[] {
    return firing.map((severity) => {
        const def = definitions.find((d) => d.name === alertname && d.severity === severity);
        if (!def) throw new Error(`no alert ${alertname} with severity ${severity}`);
        const rule = alertRule(config, def);
        const expLabels = { ...labels, ...rule.labels };
        const annotations = Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, expLabels)]));
        return { exp_labels: expLabels, exp_annotations: annotations };
    });
}

function caseTest(config: MonitoringConfig, definitions: AlertDefinition[], def: AlertDefinition, c: AlertCase): PromtoolTest {
    return {
        name: `${def.name} (${def.severity}): ${c.title}`,
        interval: c.interval,
        input_series: c.series,
        alert_rule_test: [{ eval_time: c.at, alertname: def.name, exp_alerts: expectedAlerts(config, definitions, def.name, c.firing, c.labels) }],
    };
}

/** Every definition's cases, grouped by interval because promtool has one evaluation interval per file. */
export function definitionTests(config: MonitoringConfig): Map<Duration, PromtoolTest[]> {
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
