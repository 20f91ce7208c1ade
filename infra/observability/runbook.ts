// A runbook page per alert, the same for metric alerts (Prometheus) and log alerts (Loki's ruler):
// who it reaches, what it means, the first commands, mitigation and escalation.
import type { AlertDefinition, Severity } from "./alerts";
import { objectives, recoveryTimeObjectives, severityClasses } from "./objectives";
import { percent } from "./alerts";

/** Which receiver each severity reaches; docs/monitoring.md and the amtool tests read this. */
export const receiverFor: Record<Severity, string> = {
    critical: "pager-critical",
    high: "pager-high",
    medium: "ticket",
    low: "chat-next-business-day",
};

/** A table cell: one line, pipes escaped. */
export function oneLine(text: string): string {
    return text.replace(/\n/g, " ").replace(/\|/g, "\\|");
}

export function runbookMarkdown(
    name: string,
    tiers: Array<Omit<AlertDefinition, "tests">>,
    generatedFrom = "infra/monitoring/alerts.ts by `npm run monitoring:docs`",
): string {
    const { runbook, service } = tiers[0];
    const lines = [
        `# ${name}`,
        "",
        `Service: \`${service}\`. Generated from ${generatedFrom}; edit the definition, not this file.`,
        "",
        "| Severity | Class | Respond within | Notified via | Fires when (for) |",
        "| --- | --- | --- | --- | --- |",
        ...tiers.map(
            (t) =>
                `| ${t.severity} | ${severityClasses[t.severity].sev} | ${severityClasses[t.severity].response} | ${receiverFor[t.severity]} | \`${oneLine(t.expr)}\` (${t.for}) |`,
        ),
        "",
        "## What it means",
        "",
        runbook.meaning,
        "",
        ...tiers.flatMap((t) => [`- **${t.severity}**: ${t.description.replace(/\{\{ \$labels\.(\w+) \}\}/g, "<$1>")}`]),
        "",
        "## First commands",
        "",
        "```bash",
        ...runbook.firstCommands,
        "```",
        "",
        "## Mitigation",
        "",
        ...runbook.mitigation.map((m, i) => `${i + 1}. ${m}`),
        "",
        "## Escalation",
        "",
        runbook.escalation,
        "",
    ];
    return lines.join("\n");
}

const { critical: sev1, high: sev2, medium: sev3, low: sev4 } = severityClasses;
/** Who is told and when, per severity: the manual's severity classes and the model service RTO. */
export const escalate = {
    critical: `${sev1.sev}: acknowledge within ${sev1.response}. If the detector is not serving again within ${recoveryTimeObjectives.modelService / 60} minutes (the manual's model service RTO), page the senior engineer, notify stakeholders, and prepare a rollback or hotfix deployment with senior approval.`,
    high: `${sev2.sev}: respond within ${sev2.response}. Escalate to ${sev1.sev} (page the senior engineer) if users see failed or slow predictions for more than ${sev2.response} or a ${sev1.sev} alert joins it.`,
    medium: `${sev3.sev}: handle within ${sev3.response}, in working hours. Escalate to ${sev2.sev} if it worsens to the paging threshold or blocks a deployment.`,
    low: `${sev4.sev}: capacity planning, ${sev4.response}. Raise it in the weekly performance review and the monthly capacity planning assessment; plan scaling before the manual's hard limits (CPU ${objectives.cpuPercent} %, memory ${objectives.memoryPercent} %, latency ${objectives.latencySeconds} s, errors ${percent(objectives.errorRate)}) are reached.`,
};
