// npm run --silent preflight -- <stack> [--online]
import { requireTool, runCommand, type CommandSpec, type OptionSpec } from "../cli/command";
import { offlineFindings, report } from "./offline";
import { onlineChecks, onlineReport } from "./online";

export const preflightCommand = {
    invocation: "npm run --silent preflight --",
    positionals: "<stack>",
    summary: "Lists everything the stack still lacks before pulumi up can deploy it, all at once, each with the command that sets it.",
    options: {
        online: {
            type: "boolean",
            description:
                "also check, with AWS credentials (aws CLI) and the kubeconfig (kubectl), each prerequisite in the account and cluster",
        },
    },
    minPositionals: 1,
    maxPositionals: 1,
    examples: ["npm run --silent preflight -- staging", "npm run --silent preflight -- production --online"],
    notes: [
        "Offline: the stack file's missing keys, example values (refused in staging and production), unknown keys and secrets provider.",
        "Online: state backend, KMS alias, OIDC provider, tagged public subnets, hosted zone, registry repositories, promote role, CI role trust, cluster context, CNI NetworkPolicy enforcement, metrics-server.",
        "Exit codes: 0 deployable, 1 something is missing (listed), 2 usage or an unreadable stack file.",
    ],
} satisfies CommandSpec<Record<string, OptionSpec>>;

runCommand(preflightCommand, async ({ values, positionals: [stack] }) => {
    const findings = offlineFindings(stack!, process.cwd());
    process.stdout.write(report(stack!, findings));
    if (!values.online) return findings.length === 0 ? 0 : 1;
    requireTool("aws", "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html", "the AWS CLI");
    requireTool("kubectl", "https://kubernetes.io/docs/tasks/tools/");
    const results = await onlineChecks(stack!, process.cwd());
    process.stdout.write(onlineReport(stack!, results));
    return findings.length === 0 && results.every((r) => !r.problem) ? 0 : 1;
});
