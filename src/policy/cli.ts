// npm run --silent policy -- <stack> [--json]
// npm run --silent policy -- --resources FILE.json [--stack NAME] [--json]
// Exit 1 on any mandatory violation, 0 otherwise, 2 on unusable input.
import { parseArgs } from "node:util";
import { violationsJson, violationsTable } from "./report";
import { checkFile, checkStack } from "./run";

const usage = "usage: npm run --silent policy -- <stack> [--json] | --resources FILE.json [--stack NAME] [--json]";

/** Errors whose message is already one line naming the problem. */
const inputErrors = ["ConfigError", "PlanError", "PolicyConfigError", "ResourcesFileError", "PolicyRuntimeError"];

async function main(argv: string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: { json: { type: "boolean" }, resources: { type: "string" }, stack: { type: "string" } },
        });
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n${usage}\n`);
        return 2;
    }
    const { values, positionals } = parsed;
    if (values.resources === undefined ? positionals.length !== 1 || values.stack !== undefined : positionals.length !== 0) {
        process.stderr.write(`error: expected a stack name or --resources FILE\n${usage}\n`);
        return 2;
    }
    // Like the Pulumi CLI, the project is the working directory (npm run puts it at the repository root).
    const run =
        values.resources === undefined
            ? await checkStack(positionals[0], process.cwd())
            : await checkFile(values.resources, values.stack ?? "production", process.cwd());
    process.stdout.write(`${values.json ? violationsJson(run.violations) : violationsTable(run.violations, run)}\n`);
    return run.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
        const known = inputErrors.includes(e.name);
        process.stderr.write(`error: ${known ? e.message : (e.stack ?? e.message)}\n`);
        process.exit(2);
    },
);
