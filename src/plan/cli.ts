// npm run --silent plan -- <stack> [--json] [--out DIR]
import { parseArgs } from "node:util";
import { planStack } from "./run";
import { planJson, planTree, writeArtifacts } from "./render";

const usage = "usage: npm run --silent plan -- [<stack>] [--json] [--out DIR]   (stack defaults to production)";
/** With no stack named, plan the whole production system: what a newcomer wants to see first. */
const defaultStack = "production";

async function main(argv: string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" }, out: { type: "string" } } });
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n${usage}\n`);
        return 2;
    }
    const [stack = defaultStack, ...extra] = parsed.positionals;
    if (extra.length > 0) {
        process.stderr.write(`error: expected one stack name, got ${parsed.positionals.length}\n${usage}\n`);
        return 2;
    }
    // Like the Pulumi CLI, the project is the working directory (npm run puts it at the repository root).
    const plan = await planStack(stack, { root: process.cwd() });
    if (parsed.values.out) writeArtifacts(plan, parsed.values.out);
    process.stdout.write(`${parsed.values.json ? planJson(plan) : planTree(plan)}\n`);
    return 0;
}

// Exit only once stdout has drained: a large --json document to a pipe is written asynchronously.
main(process.argv.slice(2)).then(
    (code) => process.stdout.write("", () => process.exit(code)),
    (e: Error) => {
        // Config and stack-file errors are already one line naming the key; anything else is a bug worth its stack.
        const known = e.name === "ConfigError" || e.name === "PlanError";
        process.stderr.write(`error: ${known ? e.message : (e.stack ?? e.message)}\n`);
        process.exit(2);
    },
);
