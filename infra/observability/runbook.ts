// A runbook page per alert, the same for metric alerts (Prometheus) and log alerts (Loki's ruler):
// who it reaches, what it means, the first commands, mitigation and escalation.
import type { AlertDefinition, Severity } from "./alerts";
import { severityClasses } from "./objectives";

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
