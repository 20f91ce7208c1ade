// npm run alert-test -- <stack> [--severity critical|high|medium|low] [--alertmanager-url URL]
// The manual's monthly "test alert delivery": posts a labelled synthetic alert to the stack's
// Alertmanager and reports the receiver it was routed to; exit 1 when that is not the receiver the
// severity must reach (infra/monitoring/alertmanager.ts, receiverFor).
import { severities, type Severity } from "../../infra/observability/objectives";
import { timings } from "../../infra/monitoring/alertmanager";
import { CheckFailedError, parseCommandArgs, requireTool, runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../cli/command";
import { portForward, type Forward } from "../health/port-forward";
import { kubectlInstall } from "../release/kubectl";
import { openAutomationStack, type OpenStack } from "../release/stack";
import { stackArgument } from "../cli/stack-args";
import { sendTestAlert } from "./alert-test";

const options = {
    severity: { type: "string", value: "LEVEL", description: `critical, high, medium or low (default critical)` },
    "alertmanager-url": {
        type: "string",
        value: "URL",
        description: "the Alertmanager to use (default: a kubectl port-forward to the stack's alertmanagerUrl output)",
    },
    "timeout-seconds": { type: "string", value: "N", description: "how long to wait for the alert to be routed (default 30)" },
} as const;

export const spec: CommandSpec<typeof options> = {
    invocation: "npm run --silent alert-test --",
    positionals: "<stack>",
    minPositionals: 1,
    maxPositionals: 1,
    summary:
        "Sends a synthetic alert (alertname AlertDeliveryTest, service alert-test) through the stack's Alertmanager API v2 and reports which receiver got it.",
    options,
    examples: ["npm run --silent alert-test -- production", "npm run --silent alert-test -- staging --severity medium"],
    notes: [
        "The alert ends by itself after its severity's group_wait plus two minutes. SEV-4 (low) is only sent in business hours. KUBECTL overrides the kubectl command.",
    ],
};

export interface AlertTestDeps {
    open: OpenStack;
    kubectl: string[];
    out: (line: string) => void;
}

export async function run(args: ParsedArgs<typeof options>, deps: AlertTestDeps): Promise<number> {
    const stack = args.positionals[0]!;
    const severity = (args.values.severity ?? "critical") as Severity;
    if (!severities.includes(severity)) throw new UsageError(`--severity: expected one of ${severities.join(", ")}, got "${severity}"`);
    const timeout = Number(args.values["timeout-seconds"] ?? "30");
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600)
        throw new UsageError(`--timeout-seconds: expected an integer from 1 to 600, got "${args.values["timeout-seconds"]}"`);
    // Validated like every other command's stack, also when --alertmanager-url makes it only a label.
    const config = stackArgument(stack);
    const forwards: Forward[] = [];
    try {
        let url = args.values["alertmanager-url"];
        if (url === undefined) {
            requireTool(deps.kubectl[0]!, kubectlInstall);
            const output = (await (await deps.open(stack)).outputs()).alertmanagerUrl;
            if (typeof output !== "string") throw new UsageError(`stack ${stack}: no output alertmanagerUrl; pass --alertmanager-url`);
            const forward = await portForward(
                { kubectl: deps.kubectl, context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfig },
                output,
            );
            forwards.push(forward);
            url = forward.url;
        } else if (!/^https?:\/\/\S+$/.test(url)) {
            throw new UsageError(`--alertmanager-url: expected an http(s) URL, got "${url}"`);
        }
        const result = await sendTestAlert({ alertmanagerUrl: url, stack, severity, timeoutSeconds: timeout, log: deps.out });
        if (result.receivers.length === 0) throw new CheckFailedError(`the test alert did not show up in Alertmanager within ${timeout} s`);
        const got = result.receivers.join(", ");
        if (!result.receivers.includes(result.expected)) {
            throw new CheckFailedError(`${severity} test alert went to ${got}, not ${result.expected}: check the routing tree`);
        }
        if (result.suppressedBy.length > 0) {
            throw new CheckFailedError(
                `${severity} test alert is routed to ${got} but suppressed, so it will not be sent: ${result.suppressedBy.join("; ")}`,
            );
        }
        deps.out(
            `${stack}: ${severity} test alert routed to ${got}; it is sent after group_wait ${timings[severity].group_wait}${severity === "low" ? ", in business hours" : ""}: confirm it arrived`,
        );
        return 0;
    } finally {
        await Promise.all(forwards.map((f) => f.stop()));
    }
}

/** Parses and runs (tests call this); throws as runCommand maps errors. */
export async function main(argv: string[], deps: AlertTestDeps): Promise<number> {
    const parsed = parseCommandArgs(spec, argv);
    return parsed === "help" ? 0 : run(parsed, deps);
}

if (require.main === module) {
    const open: OpenStack = (stack) => {
        requireTool("pulumi", "npm ci installs the pinned CLI; run through npm run");
        return openAutomationStack(stack);
    };
    runCommand(spec, (args) => run(args, { open, kubectl: (process.env.KUBECTL ?? "kubectl").split(" "), out: (l) => console.log(l) }));
}
