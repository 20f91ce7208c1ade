// npm run --silent preflight -- <stack> [--online]
import { runCommand, type CommandSpec, type OptionSpec } from "../cli/command";
import { offlineFindings, report } from "./offline";

export const preflightCommand = {
    invocation: "npm run --silent preflight --",
    positionals: "<stack>",
    summary: "Lists everything the stack still lacks before pulumi up can deploy it, all at once, each with the command that sets it.",
    options: {},
    minPositionals: 1,
    maxPositionals: 1,
    examples: ["npm run --silent preflight -- staging"],
    notes: [
        "Offline: the stack file's missing keys, example values (refused in staging and production), unknown keys and secrets provider.",
        "Exit codes: 0 deployable, 1 something is missing (listed), 2 usage or an unreadable stack file.",
    ],
} satisfies CommandSpec<Record<string, OptionSpec>>;

runCommand(preflightCommand, ({ positionals: [stack] }) => {
    const findings = offlineFindings(stack!, process.cwd());
    process.stdout.write(report(stack!, findings));
    return findings.length === 0 ? 0 : 1;
});
