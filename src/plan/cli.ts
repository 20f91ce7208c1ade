// npm run --silent plan -- [<stack>] [--json] [--out DIR]
import * as path from "node:path";
import { runCommand, type CommandSpec, type OptionSpec } from "../cli/command";
import { describeWritten, replaceOutputDir } from "./output-dir";
import { planJson, planTree, writeArtifacts } from "./render";
import { planStack } from "./run";

/** With no stack named, plan the whole production system: what a newcomer wants to see first. */
const defaultStack = "production";

export const planCommand = {
    invocation: "npm run --silent plan --",
    positionals: "[<stack>]",
    summary: "Runs the real program for a stack offline, under the Pulumi SDK's mock runtime, and prints its resource tree.",
    options: {
        json: { type: "boolean", description: "print one JSON document {stack, resources} instead of the tree" },
        out: {
            type: "string",
            value: "DIR",
            description: "also write every Kubernetes object and the monitoring artifacts under DIR (replaced whole)",
        },
        project: {
            type: "string",
            value: "DIR",
            description: "the Pulumi project's directory (default: the working directory), e.g. bootstrap",
        },
    },
    maxPositionals: 1,
    examples: [
        "npm run --silent plan",
        "npm run --silent plan -- staging --json",
        "npm run --silent plan -- staging --out out/staging",
        "npm run --silent plan -- staging --project bootstrap",
    ],
    notes: [`The stack defaults to ${defaultStack}. Exit codes: 0 planned, 2 a config or stack-file mistake (one line naming the key).`],
} satisfies CommandSpec<Record<string, OptionSpec>>;

runCommand(planCommand, async ({ values, positionals: [stack = defaultStack] }) => {
    // Like the Pulumi CLI, the project is the working directory (npm run puts it at the repository root).
    const plan = await planStack(stack, { root: values.project ? path.resolve(values.project) : process.cwd() });
    const written = values.out ? replaceOutputDir(values.out, stack, (tmp) => writeArtifacts(plan, tmp)) : undefined;
    process.stdout.write(`${values.json ? planJson(plan) : planTree(plan)}\n`);
    // On stderr: stdout stays the tree or one JSON document.
    if (written) process.stderr.write(`${describeWritten(values.out!, written.length, stack)}\n`);
    return 0;
});
