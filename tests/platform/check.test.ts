// `npm run --silent check:platform -- <stack>`: the summary per stack, exit 1 on a finding, exit 2 on a bad stack.
import { strict as assert } from "node:assert";
import { invokeCommand, UsageError, CheckFailedError } from "../../src/cli/command";
import { runCli } from "../helpers/cli";
import { checkPlatformCommand, formatReport, platformChecks, runCheckPlatform } from "./check";

async function run(argv: string[]): Promise<{ code: number; out: string }> {
    let out = "";
    const code = await invokeCommand(checkPlatformCommand, argv, ({ positionals, values }) =>
        runCheckPlatform(positionals, values.json === true, (t) => (out += t)),
    );
    return { code, out };
}

describe("platform: check:platform", () => {
    it("prints one summary line per check for each stack and exits 0 without findings", async () => {
        const { code, out } = await run(["local", "production"]);
        assert.equal(code, 0);
        for (const line of [
            /^platform local$/m,
            /^platform production$/m,
            /^ {2}objects +\d+ \(project \d+, chart:/m,
            /^ {2}schemas +(\d+) valid of \1 /m,
            /^ {2}references +(\d+) resolved of \1 /m,
            /^ {2}pod security +(\d+) pods admitted of \1 /m,
            /^ {2}image signatures +3 signed by CI, \d+ admitted with a warning, 0 denied, in pneumonia, monitoring$/m,
            /^no findings$/m,
        ]) {
            assert.match(out, line);
        }
        assert.match(out, /image signatures +no image-signature admission in this stack/, "local runs no policy-controller");
    });

    it("fails with the count and the first finding, and prints every finding", async () => {
        const report = {
            stack: "t",
            sections: [
                {
                    name: "references",
                    summary: "1 resolved of 3",
                    findings: ["Pod/a/b: volume x reads Secret a/x, which nothing creates", "second"],
                },
            ],
        };
        assert.match(
            formatReport(report),
            /references +1 resolved of 3\n {4}✗ Pod\/a\/b: volume x reads Secret a\/x, which nothing creates\n {4}✗ second\n2 finding\(s\)\n$/,
        );
        await assert.rejects(
            run(["nosuch"]),
            (e: Error) => e instanceof UsageError && /stack "nosuch": no Pulumi.nosuch.yaml/.test(e.message),
        );
        platformChecks.push(() => ({ name: "planted", summary: "1 planted", findings: ["Pod/a/b: planted"] }));
        try {
            await assert.rejects(
                run(["local"]),
                (e: Error) => e instanceof CheckFailedError && e.message === "1 finding(s) in the rendered platform: Pod/a/b: planted",
            );
        } finally {
            platformChecks.pop();
        }
    });

    it("as a command: a usage mistake is one line on stderr and exit 2", () => {
        const result = runCli("tests/platform/cli.ts", []);
        assert.equal(result.code, 2);
        assert.match(
            result.stderr,
            /^error: missing argument: <stack>\.\.\.\nusage: npm run --silent check:platform -- <stack>\.\.\. \[options\]/,
        );
    });
});
