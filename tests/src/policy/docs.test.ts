import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../../../policies/policies";
import { policiesMarkdown } from "../../../src/policy/docs";

describe("docs/policies.md", () => {
    const file = path.resolve(__dirname, "../../../docs/policies.md");

    it("matches the policy list and stack configs (regenerate with npm run --silent docs:policies)", () => {
        assert.equal(fs.readFileSync(file, "utf8"), policiesMarkdown(policies));
    });

    it("lists every policy with its severity, enforcement per stack and source", () => {
        const text = fs.readFileSync(file, "utf8");
        for (const p of policies) {
            const row = text.split("\n").find((line) => line.startsWith(`| \`${p.name}\` | ${p.description.slice(0, 20)}`));
            assert.ok(row, `${p.name} has no row`);
            assert.match(
                row!,
                new RegExp(`\\| ${p.severity} \\| (mandatory|advisory)[^|]*\\| mandatory[^|]*\\| mandatory[^|]*\\| ${p.framework.name}`),
            );
        }
    });
});
