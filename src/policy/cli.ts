// npm run --silent policy -- <stack> [--json]
// npm run --silent policy -- --resources FILE.json [--stack NAME] [--json]
import { runCommand, UsageError, type CommandSpec, type OptionSpec } from "../cli/command";
import { violationsJson, violationsTable } from "./report";
import { checkFile, checkStack } from "./run";

export const policyCommand = {
    invocation: "npm run --silent policy --",
    positionals: "<stack> | --resources FILE",
    summary: "Checks a stack (planned offline) or a resources file against the CrossGuard pack with policies/config/<stack>.json.",
    options: {
        json: { type: "boolean", description: 'print {"violations": [...]} instead of the table' },
        resources: {
            type: "string",
            value: "FILE",
            description: 'check a JSON array of {"type", "name", "props", "parent"?} instead of a stack',
        },
        stack: { type: "string", value: "NAME", description: "with --resources: whose policy config applies (default production)" },
    },
    maxPositionals: 1,
    examples: [
        "npm run --silent policy -- production",
        "npm run --silent policy -- staging --json",
        "npm run --silent policy -- --resources resources.json --stack staging",
    ],
    notes: ["Exit codes: 0 no mandatory violation, 1 a mandatory violation, 2 unusable input (config, stack file, resources file)."],
} satisfies CommandSpec<Record<string, OptionSpec>>;

runCommand(policyCommand, async ({ values, positionals }) => {
    const byStack = values.resources === undefined;
    if (byStack ? positionals.length !== 1 || values.stack !== undefined : positionals.length !== 0) {
        throw new UsageError("expected a stack name or --resources FILE [--stack NAME]");
    }
    // Like the Pulumi CLI, the project is the working directory (npm run puts it at the repository root).
    const run = byStack
        ? await checkStack(positionals[0]!, process.cwd())
        : await checkFile(values.resources!, values.stack ?? "production", process.cwd());
    process.stdout.write(`${values.json ? violationsJson(run.violations) : violationsTable(run.violations, run)}\n`);
    return run.violations.some((v) => v.level === "mandatory") ? 1 : 0;
});
