// `npm run incident -- isolate|release|preserve <stack> <pod>`: the manual's Security Incident
// Escalation ("immediate isolation of affected systems, evidence preservation") in one command each.
// docs/security-operations.md is the procedure around it.
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { durationSeconds } from "../../infra/observability/alerts";
import { awsCliCommand } from "../cli/aws";
import { exitCodes, requireTool, runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../cli/command";
import { portForward, type Forward } from "../health/port-forward";
import { repoRoot } from "../plan/run";
import { kubectlInstall } from "../release/kubectl";
import { openAutomationStack, type OpenStack } from "../release/stack";
import { readStackFile } from "../release/stack-file";
import { incidentId, isolate, release, type Outcome, type Target } from "./isolate";
import { preserve } from "./preserve";

const actions = ["isolate", "release", "preserve"] as const;
type Action = (typeof actions)[number];

const options = {
    incident: {
        type: "string",
        value: "ID",
        description: "the incident id (required in production; labels the quarantined pod and names the evidence)",
    },
    namespace: { type: "string", value: "NS", description: "the pod's namespace (default: the stack's kubernetes.appNamespace)" },
    cordon: { type: "boolean", description: "isolate: also cordon the pod's node (release uncordons it)" },
    bucket: { type: "string", value: "NAME", description: "preserve: the evidence bucket (default: the stack output evidenceBucket)" },
    "loki-url": {
        type: "string",
        value: "URL",
        description: "preserve: Loki's HTTP address (default: a port-forward to the stack output lokiUrl)",
    },
    since: { type: "string", value: "DURATION", description: "preserve: how far back the pod's logs go, e.g. 30m, 6h (default 2h)" },
    snapshot: {
        type: "boolean",
        description: "preserve: also take EBS snapshots of the node's and the pod's volumes (AWS CLI; AWS_CLI overrides the command)",
    },
} as const;

export const spec = {
    invocation: "npm run --silent incident --",
    positionals: "<isolate|release|preserve> <stack> <pod>",
    minPositionals: 3,
    maxPositionals: 3,
    summary:
        "isolate: takes a pod out of service and out of the network without deleting it (quarantine NetworkPolicy). release: undoes isolate. preserve: writes the pod's spec, status, events, owners, logs, image digests and node (and with --snapshot EBS snapshots of its volumes) to the evidence bucket, locked, with a manifest of SHA-256 sums and the chain of custody.",
    options,
    notes: [
        "Production refuses to run without --incident. kubectl runs in the stack's kubernetes.context (KUBECTL overrides the command); preserve needs AWS credentials allowed to write the evidence bucket (security.evidence.responders).",
        "Exit codes: 0 done, 1 a check failed (pod not isolated, quarantine not deployed), 2 usage or environment error (unknown pod, kubectl refused).",
    ],
    examples: [
        "npm run --silent incident -- isolate production detector-7c9d8-abcde --incident INC-2026-0042 --cordon",
        "npm run --silent incident -- preserve production detector-7c9d8-abcde --incident INC-2026-0042 --since 6h --snapshot",
        "npm run --silent incident -- release production detector-7c9d8-abcde --incident INC-2026-0042",
    ],
} satisfies CommandSpec<typeof options>;

export interface IncidentDeps {
    kubectl: string[];
    /** The AWS CLI command, for --snapshot; default `aws` or $AWS_CLI. */
    aws?: string[];
    out: (line: string) => void;
    /** Stack outputs (evidenceBucket, lokiUrl); default: the Pulumi stack. */
    open?: OpenStack;
    s3?: () => S3Client;
    /** The AWS identity writing evidence; default: STS GetCallerIdentity. */
    awsIdentity?: () => Promise<string>;
    now?: () => Date;
}

function commit(): string {
    try {
        const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
        const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: repoRoot, encoding: "utf8" }).trim() !== "";
        return dirty ? `${head} (with uncommitted changes)` : head;
    } catch {
        return "unknown (not a git checkout)";
    }
}

export async function runIncident(args: ParsedArgs<typeof options>, deps: IncidentDeps): Promise<number> {
    const [action, stack, pod] = args.positionals as [string, string, string];
    if (!(actions as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}": one of ${actions.join(", ")}`);
    const { values } = args;
    const config = readStackFile(stack);
    if (config.environment === "production" && !values.incident)
        throw new UsageError(`${action} in production needs --incident <id> (the incident this is done under)`);
    if (values.incident !== undefined && !incidentId.test(values.incident))
        throw new UsageError(`--incident: "${values.incident}" is not an id such as INC-2026-0042 (letters, digits, - _ .; at most 63)`);
    const target: Target = {
        access: { kubectl: deps.kubectl, context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfig },
        namespace: values.namespace ?? config.kubernetes.appNamespace,
        pod,
    };
    requireTool(deps.kubectl[0]!, kubectlInstall);
    const incidentFlag = values.incident ? ` --incident ${values.incident}` : "";
    const print = (outcome: Outcome) => {
        for (const line of outcome.done) deps.out(`done: ${line}`);
        if (outcome.undo) deps.out(`undo: ${outcome.undo}`);
    };
    if ((action as Action) === "isolate") {
        print(
            await isolate(target, {
                incident: values.incident,
                cordon: values.cordon ?? false,
                undo: `npm run --silent incident -- release ${stack} ${pod}${incidentFlag}${values.namespace ? ` --namespace ${values.namespace}` : ""}`,
            }),
        );
        deps.out(`next: npm run --silent incident -- preserve ${stack} ${pod}${incidentFlag || " --incident <id>"}`);
        return exitCodes.ok;
    }
    if ((action as Action) === "release") {
        print(await release(target, { undo: `npm run --silent incident -- isolate ${stack} ${pod}${incidentFlag}` }));
        return exitCodes.ok;
    }
    if (!values.incident) throw new UsageError("preserve needs --incident <id>: evidence is filed under its incident");
    const since = values.since ?? "2h";
    let window: number;
    try {
        window = durationSeconds(since);
    } catch {
        throw new UsageError(`--since: "${since}" is not a duration such as 30m or 6h`);
    }
    const forwards: Forward[] = [];
    try {
        const outputs = values.bucket && values["loki-url"] ? {} : await (await (deps.open ?? openAutomationStack)(stack)).outputs();
        const bucket = values.bucket ?? outputs.evidenceBucket;
        if (typeof bucket !== "string")
            throw new UsageError(`stack ${stack} has no evidenceBucket output (an AWS stack with infra/security deployed); pass --bucket`);
        let lokiUrl = values["loki-url"];
        if (lokiUrl === undefined && typeof outputs.lokiUrl === "string") {
            const forward = await portForward(target.access, outputs.lokiUrl);
            forwards.push(forward);
            lokiUrl = forward.url;
        }
        let snapshots: { aws: string[]; region: string } | undefined;
        if (values.snapshot) {
            if (!config.aws) throw new UsageError(`--snapshot: stack ${stack} has no AWS region (no aws section): its volumes are not EBS`);
            snapshots = { aws: deps.aws ?? awsCliCommand(), region: config.aws.region };
        }
        const s3 = (deps.s3 ?? (() => new S3Client({})))();
        const awsIdentity = await (
            deps.awsIdentity ?? (async () => (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn ?? "unknown")
        )();
        const result = await preserve(target, {
            bucket,
            s3,
            retentionDays: config.security.evidence.retentionDays,
            lokiUrl,
            logWindowSeconds: window,
            custody: { incident: values.incident, stack, operator: os.userInfo().username, awsIdentity, commit: commit() },
            snapshots,
            now: deps.now?.(),
        });
        for (const entry of result.manifest)
            deps.out(`done: wrote s3://${bucket}/${entry.key} (${entry.bytes} bytes, sha256 ${entry.sha256})`);
        deps.out(
            `done: every object is locked (COMPLIANCE) for ${config.security.evidence.retentionDays} days and read back with matching SHA-256`,
        );
        deps.out("undo: none: evidence cannot be changed or deleted before its retention ends");
        return exitCodes.ok;
    } finally {
        await Promise.all(forwards.map((f) => f.stop()));
    }
}

if (require.main === module) {
    runCommand(spec, (args) =>
        runIncident(args, { kubectl: (process.env.KUBECTL ?? "kubectl").split(" "), out: (line) => console.log(line) }),
    );
}
