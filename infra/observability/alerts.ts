// The vocabulary every alert is written in: a definition, its runbook, its promtool cases, the
// services alerts belong to and Prometheus durations. Capabilities write their alerts with these
// types and hand them to monitoring (infra/index.ts), which renders, tests and routes them.
import type { InputSeries } from "./series";

// Alert modules and the routing import the severities from here, next to the definitions.
import type { Severity } from "./objectives";
export { severities, severityClasses, type Severity } from "./objectives";

/** A share as the manual writes it: 0.999 is "99.9 %". */
export const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(12))} %`;

export type Service = "detector" | "mlflow" | "postgres" | "backups" | "node" | "logging" | "edge";

/** A Prometheus duration such as 90s, 15m, 2h, 1d. */
export type Duration = `${number}${"s" | "m" | "h" | "d" | "w"}`;

export function durationSeconds(d: string): number {
    const match = /^(\d+)([smhdw])$/.exec(d);
    if (!match) throw new Error(`"${d}" is not a duration such as 15m`);
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2] as "s" | "m" | "h" | "d" | "w"];
    return Number(match[1]) * unit;
}

export interface Runbook {
    /** What is wrong, in the manual's terms. */
    meaning: string;
    /** Commands to run first, in order. */
    firstCommands: string[];
    mitigation: string[];
    /** When and to whom to escalate. */
    escalation: string;
}

/** One promtool scenario: a history of series and which tiers of this alert fire at `at`. */
export interface AlertCase {
    title: string;
    /** Sample spacing of the series, also the rule evaluation interval of the test. */
    interval: Duration;
    series: InputSeries[];
    at: Duration;
    /** Severities of alerts of this name expected to fire at `at`; [] means none. */
    firing: Severity[];
    /** Labels the alert gets from its expression (besides severity and service). */
    labels: Record<string, string>;
}

export interface AlertDefinition {
    name: string;
    severity: Severity;
    service: Service;
    expr: string;
    for: Duration;
    summary: string;
    description: string;
    runbook: Runbook;
    /** At least one case where this alert fires after its `for` and one just under its threshold where it does not. */
    tests: AlertCase[];
    /**
     * Labels of the only series this rule covers, when one alert needs a rule per series with its
     * own `for` (BackupMissing: one per backup kind, each waiting out that kind's schedule).
     */
    variant?: Record<string, string>;
}

/** A duration in the largest unit that states it exactly (87300 s is 1455m). */
export function durationOf(seconds: number): Duration {
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}
