// Violations as people and CI read them: a table, or `{"violations": [...]}`.
import { stackResource, type Violation } from "./evaluate";

const order = { mandatory: 0, advisory: 1 };

export function sortViolations(violations: Violation[]): Violation[] {
    return [...violations].sort(
        (a, b) => order[a.level] - order[b.level] || a.policy.localeCompare(b.policy) || a.resource.localeCompare(b.resource),
    );
}

export function violationsJson(violations: Violation[]): string {
    return JSON.stringify({ violations: sortViolations(violations) }, null, 2);
}

/** `type::name` of a URN: the table's resource column; the JSON keeps the whole URN. */
export function shortResource(urn: string): string {
    if (urn === stackResource) return urn;
    const parts = urn.split("::");
    if (parts.length < 4) return urn;
    const type = parts[2].split("$").pop();
    return `${type}::${parts.slice(3).join("::")}`;
}

export function violationsTable(violations: Violation[], summary: { policies: number; resources: number }): string {
    const rows = sortViolations(violations).map((v) => [v.policy, shortResource(v.resource), v.level, v.message]);
    const counts = `${summary.policies} policies, ${summary.resources} resources`;
    if (rows.length === 0) return `no violations (${counts})`;
    const header = ["POLICY", "RESOURCE", "LEVEL", "MESSAGE"];
    const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c))
            .join("  ")
            .trimEnd();
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    return [
        line(header),
        ...rows.map(line),
        "",
        `${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s) (${counts})`,
    ].join("\n");
}
