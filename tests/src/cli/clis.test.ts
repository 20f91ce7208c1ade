// Every command-line tool of the deploy path meets an operator the same way (src/cli/command.ts):
// --help with usage, options and an example (exit 0); an unknown option is one line and the usage
// hint (exit 2). Each is run as `npm run` runs it, as a child process.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot, runCli } from "../../helpers/cli";

/** package.json script → the file it runs. */
const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const clis: Record<string, string> = {
    plan: "src/plan/cli.ts",
    policy: "src/policy/cli.ts",
    health: "src/health/cli.ts",
    sbom: "scripts/sbom.ts",
    "security-scan": "scripts/security-scan.ts",
    "docs:policies": "scripts/policy-docs.ts",
    "monitoring:docs": "src/monitoring/cli.ts",
    "bench:plan": "scripts/bench-plan.ts",
    "bench:policy": "scripts/bench-policy.ts",
    incident: "src/incident/cli.ts",
    "access-review": "src/access-review/cli.ts",
};

describe("the deploy path's CLIs", () => {
    for (const [script, file] of Object.entries(clis)) {
        it(`npm run ${script}: --help, and an unknown option in one line with the usage hint`, () => {
            assert.ok(scripts[script]?.includes(file), `package.json's ${script} runs ${file}`);
            assert.match(fs.readFileSync(path.join(repoRoot, file), "utf8"), /\brunCommand\(/, `${file} uses the shared wrapper`);
            const help = runCli(file, ["--help"]);
            assert.equal(help.code, 0, help.stderr);
            assert.match(help.stdout, /^usage: \S.* \[options\]\n/);
            assert.match(help.stdout, /\noptions:\n(.*\n)*\s+-h, --help\s+show this help and exit\n/);
            assert.match(help.stdout, /\nexamples:\n {2}\S+/);
            const bad = runCli(file, ["--no-such-option"]);
            assert.equal(bad.code, 2);
            assert.equal(bad.stdout, "");
            const lines = bad.stderr.trimEnd().split("\n");
            assert.equal(lines.length, 2, bad.stderr);
            assert.equal(lines[0], "error: Unknown option '--no-such-option'");
            assert.match(lines[1]!, /^usage: .*\(--help for more\)$/);
        });
    }
});
