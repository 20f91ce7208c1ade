import { strict as assert } from "node:assert";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { alertDefinitions } from "../../../infra/monitoring/alerts";
import { runbookFiles, withAlertTable } from "../../../src/monitoring/docs";
import { rulesYaml } from "../../../infra/monitoring/rules";
import { repoRoot, stackConfig, stacks } from "../../infra/monitoring/helpers";

describe("monitoring: runbooks and docs", () => {
    for (const stack of stacks) {
        it(`${stack}: every runbook_url resolves to a file in the repo`, () => {
            const groups = (
                parse(rulesYaml(stackConfig(stack).monitoring)) as {
                    groups: Array<{ rules: Array<{ alert?: string; annotations?: { runbook_url: string } }> }>;
                }
            ).groups;
            const urls = groups
                .flatMap((g) => g.rules)
                .filter((r) => r.alert)
                .map((r) => r.annotations!.runbook_url);
            assert.ok(urls.length > 0);
            // Staging and production link the repository's web address (a pager opens it); local keeps paths.
            const base = stackConfig(stack).monitoring.runbookBaseUrl;
            assert.equal(base === undefined, stack === "local", `${stack}: monitoring.runbookBaseUrl`);
            const prefix = base ? `${base}/` : "";
            for (const url of urls) assert.ok(url.startsWith(prefix), url);
            const missing = urls.filter((url) => !existsSync(join(repoRoot, url.slice(prefix.length))));
            assert.deepEqual(missing, []);
        });
    }

    it("the runbooks in docs/runbooks are the ones the definitions generate (npm run monitoring:docs)", () => {
        for (const file of runbookFiles()) {
            assert.equal(
                readFileSync(join(repoRoot, file.path), "utf8"),
                file.content,
                `${file.path} is stale: run npm run monitoring:docs`,
            );
        }
        const names = new Set(alertDefinitions(stackConfig("production").monitoring).map((d) => `${d.name}.md`));
        const orphans = readdirSync(join(repoRoot, "docs", "runbooks")).filter((f) => !names.has(f));
        assert.deepEqual(orphans, [], "runbooks of alerts that no longer exist");
    });

    it("every runbook says what it means, what to run first, how to mitigate and when to escalate", () => {
        for (const file of runbookFiles()) {
            for (const heading of ["## What it means", "## First commands", "## Mitigation", "## Escalation"]) {
                assert.ok(file.content.includes(heading), `${file.path}: ${heading}`);
            }
            assert.match(file.content, /SEV-[1-4]/);
        }
    });

    it("the alert table in docs/monitoring.md matches the definitions", () => {
        const doc = readFileSync(join(repoRoot, "docs", "monitoring.md"), "utf8");
        assert.equal(doc, withAlertTable(doc), "docs/monitoring.md alert table is stale: run npm run monitoring:docs");
        assert.throws(() => withAlertTable("# no markers"), /alert table markers are missing/);
    });
});
