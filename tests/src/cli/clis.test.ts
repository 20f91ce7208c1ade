// Every command-line tool of the deploy path meets an operator the same way (src/cli/command.ts):
// --help with usage, options and an example (exit 0); an unknown option is one line and the usage
// hint (exit 2). Each is run as `npm run` runs it, as a child process.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
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
    contract: "src/contract/cli.ts",
    "capacity-report": "src/capacity/cli.ts",
    "alert-test": "src/alert-test/cli.ts",
    backup: "src/backup/cli.ts",
    "dr-drill": "src/dr/cli.ts",
};

describe("the deploy path's CLIs", () => {
    for (const [script, file] of Object.entries(clis)) {
        it(`npm run ${script}: --help, and an unknown option in one line with the usage hint`, () => {
            assert.ok(scripts[script]?.includes(file), `package.json's ${script} runs ${file}`);
            assert.match(
                fs.readFileSync(path.join(repoRoot, file), "utf8"),
                /\b(runCommand|executeCommand)\(/,
                `${file} uses the shared wrapper`,
            );
            const help = runCli(file, ["--help"]);
            assert.equal(help.code, 0, help.stderr);
            assert.match(help.stdout, /^usage: \S.* \[options\]\n/);
            assert.match(help.stdout, /\noptions:\n(.*\n)*\s+-h, --help\s+show this help and exit\n/);
            assert.match(help.stdout, /\nexamples:\n {2}\S+/);
            assert.match(help.stdout, /(exit codes|Exit codes): 0 /, "--help states the exit codes");
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

describe("npm run <command> without -- before the command's options", function () {
    this.timeout(60_000);
    // npm keeps the flags for itself and passes them as npm_config_<name> (see flagsTakenByNpm).
    it("is detected and explained in one line, exit 2, instead of a misleading complaint", () => {
        const result = spawnSync("npm", ["run", "--silent", "contract", "--url", "http://127.0.0.1:9", "--requests", "3"], {
            cwd: repoRoot,
            encoding: "utf8",
        });
        assert.equal(result.status, 2, result.stderr);
        assert.equal(
            result.stderr,
            "error: npm took --url, --requests for itself: npm hands options to the command only after --, as in npm run --silent contract -- http://127.0.0.1:9 3 --url --requests (each option's value right after it)\n" +
                "usage: npm run --silent contract -- [options]   (--help for more)\n",
        );
    });

    it("lets the same command through when the options follow --", () => {
        const result = spawnSync("npm", ["run", "--silent", "contract", "--", "--url", "localhost:8000x"], {
            cwd: repoRoot,
            encoding: "utf8",
        });
        assert.equal(result.status, 2);
        assert.match(result.stderr, /^error: --url: /);
    });
});
