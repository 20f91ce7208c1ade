// The shared CLI wrapper, observed the way an operator meets it: a child process, its exit code,
// stdout and stderr. Exit codes are the project's convention (src/cli/command.ts): 0 ok,
// 1 a check failed, 2 usage or environment error.
import * as assert from "node:assert/strict";
import { describeFailure, helpText, parseCommandArgs, requireTool, UsageError } from "../../../src/cli/command";
import { runCli } from "../../helpers/cli";

const demo = (...args: string[]) => runCli("tests/src/cli/demo-command.ts", args, { env: { ...process.env, PNEUMONIA_DEBUG: "" } });

/** No line of a stack trace (`    at fn (file:line)`) and no Node internals reach the user. */
function assertNoStack(text: string) {
    assert.doesNotMatch(text, /^\s+at /m, `stack trace in:\n${text}`);
    assert.doesNotMatch(text, /node:internal|\.ts:\d+/);
}

describe("src/cli/command.ts", () => {
    it("answers --help with usage, options and an example, exit 0", () => {
        for (const flag of ["--help", "-h"]) {
            const r = demo(flag);
            assert.equal(r.code, 0);
            assert.equal(r.stderr, "");
            assert.match(r.stdout, /^usage: npm run --silent demo -- <what> \[options\]$/m);
            assert.match(r.stdout, /^options:$/m);
            assert.match(r.stdout, /^\s+--out DIR\s+where to write$/m);
            assert.match(r.stdout, /^\s+-h, --help\s+show this help and exit$/m);
            assert.match(r.stdout, /^examples:\n\s+npm run --silent demo -- ok --out out\/demo$/m);
            assert.match(r.stdout, /Nothing here touches the network/);
        }
    });

    it("--help wins over missing arguments", () => {
        const r = demo("one", "two", "three", "--help");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^usage: /);
    });

    it("rejects an unknown option with one line and the usage hint, exit 2", () => {
        const r = demo("ok", "--jsn");
        assert.equal(r.code, 2);
        assert.equal(r.stdout, "");
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 2, r.stderr);
        assert.equal(lines[0], "error: Unknown option '--jsn' (did you mean --json?)");
        assert.match(lines[1]!, /^usage: npm run --silent demo -- <what> \[options\]\s+\(--help for more\)$/);
    });

    it("rejects a missing or extra argument and a string option without its value, exit 2", () => {
        for (const [args, line] of [
            [[], "error: missing argument: <what>"],
            [["ok", "more"], 'error: unexpected argument "more"'],
            [["ok", "--out"], "error: Option '--out <value>' argument missing"],
        ] as const) {
            const r = demo(...args);
            assert.equal(r.code, 2, args.join(" "));
            assert.equal(r.stderr.split("\n")[0], line);
        }
    });

    it("passes parsed options to the command and exits with its code", () => {
        const r = demo("ok", "--json", "--out", "out/x");
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), { json: true, out: "out/x" });
    });

    it("turns a CheckFailedError into one line, exit 1", () => {
        const r = demo("check");
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "error: 2 of 5 checks failed: latency, disk\n");
    });

    it("turns a UsageError into one line, exit 2", () => {
        const r = demo("usage");
        assert.equal(r.code, 2);
        assert.equal(r.stderr, 'error: stack "qa": no Pulumi.qa.yaml\n');
    });

    it("turns any other thrown or rejected error into its first line with no stack, exit 2", () => {
        for (const [what, line] of [
            ["bug", "error: Cannot read properties of undefined (reading 'x')"],
            ["async", "error: EACCES: permission denied, mkdir '/proc/x'"],
        ]) {
            const r = demo(what!);
            assert.equal(r.code, 2, what);
            assert.equal(r.stderr, `${line}\n`);
            assertNoStack(r.stderr);
        }
    });

    it("prints the stack only when PNEUMONIA_DEBUG=1 asks for it", () => {
        const r = runCli("tests/src/cli/demo-command.ts", ["bug"], { env: { ...process.env, PNEUMONIA_DEBUG: "1" } });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^\s+at /m);
    });

    it("describes failures without a message by their name", () => {
        assert.deepEqual(describeFailure(new UsageError("")), { line: "UsageError", code: 2 });
        assert.deepEqual(describeFailure("plain string"), { line: "plain string", code: 2 });
    });

    it("lists every option in the help text, the string ones with their placeholder", () => {
        const text = helpText({ invocation: "x", summary: "s", options: { stack: { type: "string", description: "d" } }, examples: ["x"] });
        assert.match(text, /--stack VALUE\s+d/);
        assert.equal(parseCommandArgs({ invocation: "x", summary: "s", options: {}, examples: [] }, ["-h"]), "help");
    });

    it("names a missing tool and how to install it, instead of a spawn error", () => {
        assert.throws(
            () => requireTool("pulumi-not-installed-here", "https://www.pulumi.com/docs/install/"),
            (e: Error) =>
                e instanceof UsageError &&
                e.message === "pulumi-not-installed-here not found on PATH: install it (https://www.pulumi.com/docs/install/)",
        );
        assert.doesNotThrow(() => requireTool("sh", "always there"));
    });
});
