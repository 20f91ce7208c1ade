// Every finding rule has a runbook, every runbook a rule, and the rules' patterns are the shapes
// EventBridge documents for content filtering (numeric ranges, anything-but:
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findingClasses, findingRules, findingTopics } from "../../../infra/security/findings";

const dir = join(__dirname, "../../../docs/security/runbooks");

/** EventBridge's numeric matching, for the severity bands: [op, value, op, value]. */
function numericMatches(spec: (string | number)[], value: number): boolean {
    const ops: Record<string, (a: number, b: number) => boolean> = {
        ">=": (a, b) => a >= b,
        ">": (a, b) => a > b,
        "<": (a, b) => a < b,
        "<=": (a, b) => a <= b,
        "=": (a, b) => a === b,
    };
    for (let i = 0; i < spec.length; i += 2) if (!ops[spec[i] as string]!(value, spec[i + 1] as number)) return false;
    return true;
}
function guardDutyRuleFor(severity: number, resourceType: string) {
    return findingRules().filter((r) => {
        const d = (r.pattern as any).detail;
        if (!d?.severity) return false;
        const types = d.resource.resourceType as (string | { "anything-but": string[] })[];
        const typeMatches = types.some((t) => (typeof t === "string" ? t === resourceType : !t["anything-but"].includes(resourceType)));
        return typeMatches && numericMatches(d.severity[0].numeric, severity);
    });
}

describe("security: finding rules and their runbooks", () => {
    it("every rule's runbook exists with meaning, first commands, mitigation and escalation; no runbook is orphaned", () => {
        const used = new Set(findingRules().map((r) => `${r.runbook}.md`));
        for (const file of used) {
            assert.ok(existsSync(join(dir, file)), file);
            const text = readFileSync(join(dir, file), "utf8");
            for (const section of ["## Meaning", "## First commands", "## Mitigation", "## Escalation"])
                assert.ok(text.includes(section), `${file}: ${section}`);
        }
        assert.deepEqual(
            readdirSync(dir).filter((f) => !used.has(f)),
            [],
        );
    });

    it("each GuardDuty finding matches exactly one rule, by its band and resource type: high SEV-1, medium SEV-2, low ticket", () => {
        for (const type of ["EKSCluster", "Container", "AccessKey", "Instance", "S3Bucket", "Lambda"]) {
            for (const [severity, expected] of [
                [8.0, "critical"],
                [9.5, "critical"],
                [7.0, "critical"],
                [6.9, "high"],
                [4.0, "high"],
                [3.9, "medium"],
                [1.0, "medium"],
            ] as const) {
                const rules = guardDutyRuleFor(severity, type);
                assert.equal(rules.length, 1, `${type} ${severity}: ${rules.map((r) => r.name).join(", ")}`);
                assert.equal(rules[0]!.severity, expected, `${type} ${severity}`);
            }
        }
        assert.deepEqual(
            guardDutyRuleFor(8, "EKSCluster").map((r) => r.runbook),
            ["SecurityFindingKubernetes"],
        );
        assert.deepEqual(
            guardDutyRuleFor(8, "Lambda").map((r) => r.runbook),
            ["SecurityFindingOther"],
        );
        assert.equal(
            findingClasses.length + 1,
            new Set(
                findingRules()
                    .filter((r) => r.name.startsWith("guardduty-"))
                    .map((r) => r.runbook),
            ).size,
        );
        assert.deepEqual(findingTopics, { critical: "page", high: "page", medium: "ticket" });
    });
});
