// Renders the alert definitions and recording rules as Prometheus rule groups: the spec of our
// PrometheusRule objects and the single rules.yaml that promtool loads.
import { stringify } from "yaml";
import { alertDefinitions } from "./alerts";
import { type AlertDefinition, durationSeconds, severities, type Severity } from "../observability/alerts";
import type { MonitoringSettings } from "./config";
import { recordingGroups } from "./recording";
import { type RecordingRule, type RuleGroup } from "../observability/rules";

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: { severity: Severity; service: string };
    annotations: { summary: string; description: string; runbook_url: string };
}

export type Rule = RecordingRule | AlertRule;

export function runbookPath(alertName: string): string {
    return `docs/runbooks/${alertName}.md`;
}

export function runbookUrl(config: MonitoringSettings, alertName: string): string {
    return config.runbookBaseUrl ? `${config.runbookBaseUrl}/${runbookPath(alertName)}` : runbookPath(alertName);
}

/** Checks the invariants the tests and runbooks rely on; throws naming the alert. */
export function checkDefinitions(definitions: AlertDefinition[]): void {
    const seen = new Map<string, AlertDefinition>();
    for (const def of definitions) {
        const id = `${def.name} (${def.severity})`;
        if (!/^[A-Z][A-Za-z0-9]+$/.test(def.name)) throw new Error(`alert ${id}: name must be UpperCamelCase`);
        const sibling = seen.get(def.name);
        if (sibling) {
            const same = (d: AlertDefinition) => d.name === def.name && d.severity === def.severity;
            const sameScope = (d: AlertDefinition) =>
                !d.variant || !def.variant || JSON.stringify(d.variant) === JSON.stringify(def.variant);
            if (definitions.some((d) => d !== def && same(d) && sameScope(d))) {
                throw new Error(`alert ${id}: defined twice with the same severity`);
            }
            if (sibling.runbook !== def.runbook || sibling.service !== def.service) {
                throw new Error(`alert ${id}: tiers of one alert must share its runbook and service`);
            }
        }
        seen.set(def.name, def);
        if (!def.tests.some((t) => t.firing.includes(def.severity))) throw new Error(`alert ${id}: no test case where it fires`);
        if (!def.tests.some((t) => !t.firing.includes(def.severity))) throw new Error(`alert ${id}: no test case where it stays quiet`);
        for (const t of def.tests) {
            if (t.firing.includes(def.severity) && durationSeconds(t.at) < durationSeconds(def.for)) {
                throw new Error(`alert ${id}: case "${t.title}" checks at ${t.at}, before its for (${def.for}) can elapse`);
            }
        }
    }
}

export function alertRule(config: MonitoringSettings, def: AlertDefinition): AlertRule {
    return {
        alert: def.name,
        expr: def.expr,
        for: def.for,
        // A variant's labels tell its rule apart from its siblings' (promtool rejects two rules of one name and labels).
        labels: { severity: def.severity, service: def.service, ...def.variant },
        annotations: { summary: def.summary, description: def.description, runbook_url: runbookUrl(config, def.name) },
    };
}

/** The group of each service: its recording rules, then its alerts, most severe first. */
export function ruleGroups(config: MonitoringSettings): RuleGroup<Rule>[] {
    const definitions = alertDefinitions(config);
    checkDefinitions(definitions);
    const groups: RuleGroup<Rule>[] = recordingGroups(config);
    for (const service of new Set(definitions.map((d) => d.service))) {
        const name = `pneumonia-${service}`;
        const alerts = definitions
            .filter((d) => d.service === service)
            .sort((a, b) => severities.indexOf(a.severity) - severities.indexOf(b.severity))
            .map((d) => alertRule(config, d));
        const group = groups.find((g) => g.name === name);
        if (group) group.rules.push(...alerts);
        else groups.push({ name, rules: alerts });
    }
    return groups;
}

/** All rule groups as one file, as `promtool check rules` and Prometheus' rule_files load it. */
export function rulesYaml(config: MonitoringSettings): string {
    return stringify({ groups: ruleGroups(config) }, { lineWidth: 0 });
}

/** One PrometheusRule spec per rule group, named after it. */
export function prometheusRuleSpecs(config: MonitoringSettings): Array<{ name: string; spec: { groups: RuleGroup<Rule>[] } }> {
    return ruleGroups(config).map((group) => ({ name: group.name, spec: { groups: [group] } }));
}
