// dr-drill's command line, run the way `npm run` runs it: one-line errors, exit codes of
// src/cli/command.ts, and no report for a drill that never started.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCli } from "../../helpers/cli";

describe("dr-drill CLI", function () {
    this.timeout(60_000);
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "dr-cli-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("without the Pulumi CLI: one line naming it and how to get it, exit 2, no report", () => {
        // PATH holds node only: no pulumi, as on a machine that never installed it.
        const reports = join(dir, "reports");
        const { code, stdout, stderr } = runCli("src/dr/cli.ts", ["--from", "staging", "--reports", reports], {
            env: { ...process.env, PATH: dirname(process.execPath) },
        });
        assert.equal(code, 2);
        assert.equal(stderr, "error: pulumi CLI not found on PATH: install it (https://www.pulumi.com/docs/iac/download-install/)\n");
        assert.equal(stdout, "");
        assert.equal(existsSync(reports), false);
    });

    it("usage errors exit 2 with one line; --help shows usage, options and an example", () => {
        const missing = runCli("src/dr/cli.ts", []);
        assert.equal(missing.code, 2);
        assert.equal(missing.stderr, "error: --from <stack> is required\n");
        const unknown = runCli("src/dr/cli.ts", ["--from", "staging", "--destroy-source"]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^error: Unknown option '--destroy-source'\nusage: npm run --silent dr-drill -- \[options\]/);
        const help = runCli("src/dr/cli.ts", ["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /--plan +only plan the drill stack, offline/);
        assert.match(help.stdout, /examples:\n {2}npm run --silent dr-drill -- --from staging\n/);
    });

    it("--plan of a stack with no stack file is one line naming it, exit 2", () => {
        const { code, stderr } = runCli("src/dr/cli.ts", ["--from", "qa", "--plan"]);
        assert.equal(code, 2);
        assert.match(stderr, /^error: stack "qa": no Pulumi\.qa\.yaml \(stacks: .*production.*\)\n$/);
    });
});
