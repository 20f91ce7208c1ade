// npm run promote -- [<stack>] [--hotfix] [--from staging] [--image repo@sha256:…] [--dry-run]
// npm run rollback -- <stack> [--to repo@sha256:…] [--list] [--dry-run]
// tsx src/release/cli.ts rollout <stack> --image repo@sha256:… [--save FILE]
// tsx src/release/cli.ts cluster <stack>   (region= and cluster= lines for $GITHUB_OUTPUT)
import { readFileSync, writeFileSync } from "node:fs";
import { releaseWatch } from "../../infra/observability/objectives";
import { parseCommandArgs, requireTool, runCommand, UsageError, type CommandSpec, type OptionSpec, type ParsedArgs } from "../cli/command";
import { portForward, type ClusterAccess, type Forward } from "../health/port-forward";
import { kubectlInstall, kubectlRolloutReader } from "./kubectl";
import { prometheusQuery, requirePassedLoadTest, type InstantQuery } from "./load-test-gate";
import { promote } from "./promote";
import { requireDigest } from "./image";
import { abandonedImages, releases, rollback } from "./rollback";
import { waitForRollout, type RolloutObject, type RolloutReader } from "./rollout";
import { requirePulumi } from "./pulumi-cli";
import { openAutomationStack, type OpenStack } from "./stack";
import { readStackFile } from "./stack-file";
import { releaseVerifier } from "./verify";
import { stackArgument } from "../cli/stack-args";

const promoteOptions = {
    hotfix: {
        type: "boolean",
        description: `a hotfix: the canary's analysis watches ${releaseWatch.hotfixMinutes} minutes instead of ${releaseWatch.normalMinutes} in production (the manual's enhanced monitoring)`,
    },
    from: { type: "string", value: "STACK", description: "the stack whose tested image is promoted (default staging)" },
    to: { type: "string", value: "STACK", description: "same as <stack>" },
    image: { type: "string", value: "REF", description: "the digest to promote (default: the source stack's detectorImage output)" },
    "prometheus-url": {
        type: "string",
        value: "URL",
        description: "the source stack's Prometheus (default: a kubectl port-forward to its prometheusUrl output)",
    },
    "source-rollout": {
        type: "string",
        value: "FILE",
        description:
            "the source's Rollout as `kubectl get rollout detector -o json` printed it (e.g. saved by `rollout --save` where the source's cluster is reachable); default: read it with kubectl in the source's context",
    },
    "dry-run": { type: "boolean", description: "check the load-test gate and print the change; write nothing, deploy nothing" },
} satisfies Record<string, OptionSpec>;

const rolloutOptions = {
    image: { type: "string", value: "REF", description: "the digest the Rollout must release (required)" },
    save: {
        type: "string",
        value: "FILE",
        description: "write the Rollout's final object (kubectl get -o json) here, for promote --source-rollout",
    },
} satisfies Record<string, OptionSpec>;

const rollbackOptions = {
    to: { type: "string", value: "REF", description: "roll back to this digest instead of the last release" },
    force: { type: "boolean", description: "with --to: deploy it even if its canary was aborted or a rollback left it" },
    list: { type: "boolean", description: "list the stack's releases, newest first, and change nothing" },
    "dry-run": { type: "boolean", description: "print what would change; change nothing" },
} satisfies Record<string, OptionSpec>;

export const specs = {
    promote: {
        invocation: "npm run --silent promote --",
        positionals: "[<stack>]",
        maxPositionals: 1,
        summary:
            "Releases the image the source stack tested to <stack> (default production): refuses an image whose staging load test did not pass, pins it in the stack config, runs pulumi up, then follows the Argo Rollouts canary until it is fully promoted (exit 0) or aborted by its analysis (exit 1, traffic back on the stable version, the analysis result printed).",
        options: promoteOptions,
        examples: [
            "npm run --silent promote -- production",
            "npm run --silent promote -- production --hotfix",
            "npm run --silent promote -- production --image 111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:<digest> --dry-run",
        ],
        notes: [
            "Needs the Pulumi CLI and kubectl with the target stack's context (kubernetes.context), like pulumi up. KUBECTL overrides the kubectl command.",
        ],
    } satisfies CommandSpec<typeof promoteOptions>,
    rollback: {
        invocation: "npm run --silent rollback --",
        positionals: "<stack>",
        minPositionals: 1,
        maxPositionals: 1,
        summary:
            "Pins the detector image of the stack's last release (promoted to 100 % and healthy, never one whose canary aborted or that a rollback left) and runs pulumi up, then follows the Argo Rollouts Rollout until it is healthy on it (exit 0) or aborted (exit 1).",
        options: rollbackOptions,
        examples: ["npm run --silent rollback -- production --list", "npm run --silent rollback -- production --dry-run"],
        notes: [
            "Needs the Pulumi CLI and kubectl with the stack's context (kubernetes.context): the Rollout's status is the verdict on the current image. KUBECTL overrides the kubectl command.",
        ],
    } satisfies CommandSpec<typeof rollbackOptions>,
    rollout: {
        invocation: "tsx src/release/cli.ts rollout",
        positionals: "<stack>",
        minPositionals: 1,
        maxPositionals: 1,
        summary:
            "Follows the stack's detector Rollout until it is fully promoted and healthy on --image (exit 0) or aborted (exit 1), as promote does after its pulumi up.",
        options: rolloutOptions,
        examples: ['tsx src/release/cli.ts rollout staging --image "$image" --save staging-rollout.json'],
        notes: ["Needs kubectl with the stack's context (kubernetes.context). KUBECTL overrides the kubectl command."],
    } satisfies CommandSpec<typeof rolloutOptions>,
    cluster: {
        invocation: "tsx src/release/cli.ts cluster",
        positionals: "<stack>",
        minPositionals: 1,
        maxPositionals: 1,
        summary: "Prints the stack's AWS region and EKS cluster as region= and cluster= lines (for $GITHUB_OUTPUT), from its stack file.",
        options: {},
        examples: ['tsx src/release/cli.ts cluster production >> "$GITHUB_OUTPUT"'],
    } satisfies CommandSpec<Record<string, never>>,
};
type Command = keyof typeof specs;

export interface ReleaseDeps {
    open: OpenStack;
    out: (line: string) => void;
    /** The kubectl command (tests substitute a fake); default `kubectl` or $KUBECTL. */
    kubectl: string[];
    /** Follows the detector's Rollout in a stack; default: kubectl in the stack file's cluster. */
    rollouts?: (stack: string) => RolloutReader;
    /** Queries a Prometheus; default: its HTTP API. */
    prometheus?: (url: string) => InstantQuery;
    /** Seconds between two looks at the Rollout. */
    pollSeconds?: number;
    /** The image checks before anything changes (src/release/verify.ts); the CLI passes releaseVerifier. */
    verify?: typeof releaseVerifier;
}

/** kubectl's view of a stack's detector Rollout, in that stack's cluster and app namespace. */
function kubectlReader(stack: string, kubectl: string[]): RolloutReader {
    requireTool(kubectl[0]!, kubectlInstall);
    const { access, namespace } = clusterAccess(stack, kubectl);
    return kubectlRolloutReader(access, namespace);
}

function clusterAccess(
    stack: string,
    kubectl: string[],
): { access: ClusterAccess; namespace: string; watchMinutes: { normal: number; hotfix: number } } {
    const config = readStackFile(stack);
    return {
        access: { kubectl, context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfig },
        namespace: config.kubernetes.appNamespace,
        watchMinutes: { normal: config.release.canary.normalMinutes, hotfix: config.release.canary.hotfixMinutes },
    };
}

/** Room on top of the analysis watch for pulling images, starting pods and the last scale-down. */
const rolloutMarginSeconds = 600;

async function runPromote(args: ParsedArgs<typeof promoteOptions>, deps: ReleaseDeps): Promise<number> {
    const { values, positionals } = args;
    if (positionals[0] !== undefined && values.to !== undefined && positionals[0] !== values.to) {
        throw new UsageError(`<stack> is "${positionals[0]}" but --to is "${values.to}"`);
    }
    const to = positionals[0] ?? values.to ?? "production";
    const from = values.from ?? "staging";
    const hotfix = values.hotfix ?? false;
    const target = clusterAccess(to, deps.kubectl);
    const forwards: Forward[] = [];
    try {
        const checkLoadTest = async (image: string) => {
            let url = values["prometheus-url"];
            if (url === undefined) {
                const output = (await (await deps.open(from)).outputs()).prometheusUrl;
                if (typeof output !== "string") throw new UsageError(`stack ${from}: no output prometheusUrl; pass --prometheus-url`);
                requireTool(deps.kubectl[0]!, kubectlInstall);
                const forward = await portForward(clusterAccess(from, deps.kubectl).access, output);
                forwards.push(forward);
                url = forward.url;
            }
            return requirePassedLoadTest((deps.prometheus ?? prometheusQuery)(url), image, from);
        };
        const minutes = hotfix ? target.watchMinutes.hotfix : target.watchMinutes.normal;
        const result = await promote(deps.open, {
            from,
            to,
            image: values.image,
            hotfix,
            dryRun: values["dry-run"] ?? false,
            checkLoadTest,
            verify: deps.verify?.(deps.open, { from, to, dryRun: values["dry-run"] ?? false }),
            rollout: {
                reader: (stack) =>
                    stack === from && values["source-rollout"] !== undefined
                        ? savedRollout(values["source-rollout"])
                        : (deps.rollouts ?? ((s: string) => kubectlReader(s, deps.kubectl)))(stack),
                timeoutSeconds: minutes * 60 + rolloutMarginSeconds,
                pollSeconds: deps.pollSeconds ?? 15,
            },
            log: deps.out,
        });
        if (values["dry-run"]) {
            deps.out(
                `${to}: detector.image ${result.changed ? `${result.previous ?? "(unset)"} -> ${result.image}` : `is already ${result.image}`} (dry run, nothing written)`,
            );
        } else {
            deps.out(`${to}: detector ${result.image} released${hotfix ? " (hotfix)" : ""}: canary fully promoted`);
        }
        return 0;
    } finally {
        await Promise.all(forwards.map((f) => f.stop()));
    }
}

async function runRollback(args: ParsedArgs<typeof rollbackOptions>, deps: ReleaseDeps): Promise<number> {
    const name = args.positionals[0]!;
    // Arguments first (src/cli/stack-args.ts): a mistyped stack never reaches Pulumi.
    stackArgument(name);
    if (args.values.force && args.values.to === undefined) throw new UsageError("--force goes with --to REF");
    if (args.values.to !== undefined) requireDigest(args.values.to, "--to");
    const target = clusterAccess(name, deps.kubectl);
    const stack = await deps.open(name);
    if (args.values.list) {
        const abandoned = abandonedImages(await stack.history());
        for (const r of releases(await stack.history())) {
            const by = abandoned.get(r.image);
            deps.out(
                `${r.deployedAt.toISOString()}  update ${r.version}  ${r.image}${by === undefined ? "" : `  (rolled back from in update ${by})`}`,
            );
        }
        return 0;
    }
    const dryRun = args.values["dry-run"] ?? false;
    const result = await rollback(stack, {
        to: args.values.to,
        force: args.values.force ?? false,
        dryRun,
        log: deps.out,
        rollout: {
            reader: (deps.rollouts ?? ((s: string) => kubectlReader(s, deps.kubectl)))(name),
            // Back to the stable ReplicaSet is quick; a rollback to an older image runs the whole canary.
            timeoutSeconds: target.watchMinutes.normal * 60 + rolloutMarginSeconds,
            pollSeconds: deps.pollSeconds ?? 15,
        },
    });
    deps.out(`${stack.name}: detector ${result.from} -> ${result.to}${dryRun ? " (dry run, nothing changed)" : ""}`);
    return 0;
}

/** A Rollout as `kubectl get -o json` printed it, read from a file: the verdict where the source's cluster was reachable. */
function savedRollout(file: string): RolloutReader {
    let object: RolloutObject;
    try {
        object = JSON.parse(readFileSync(file, "utf8")) as RolloutObject;
    } catch (e) {
        throw new UsageError(`--source-rollout ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
    if (object?.kind !== "Rollout") throw new UsageError(`--source-rollout ${file}: not a Rollout (kubectl get rollout detector -o json)`);
    return { rollout: async () => object, analysisRun: async () => undefined };
}

async function runRollout(args: ParsedArgs<typeof rolloutOptions>, deps: ReleaseDeps): Promise<number> {
    const stack = args.positionals[0]!;
    if (args.values.image === undefined) throw new UsageError("--image REF is required");
    const image = requireDigest(args.values.image, "--image");
    const target = clusterAccess(stack, deps.kubectl);
    const reader = (deps.rollouts ?? ((s: string) => kubectlReader(s, deps.kubectl)))(stack);
    await waitForRollout(reader, {
        image,
        timeoutSeconds: target.watchMinutes.normal * 60 + rolloutMarginSeconds,
        pollSeconds: deps.pollSeconds ?? 15,
        log: deps.out,
    });
    if (args.values.save !== undefined) writeFileSync(args.values.save, `${JSON.stringify(await reader.rollout())}\n`);
    deps.out(`${stack}: detector ${image} fully promoted and healthy`);
    return 0;
}

function runCluster(args: ParsedArgs<Record<string, never>>, deps: ReleaseDeps): number {
    // The pipeline logs into AWS and the cluster before it can reach any Pulumi backend: read the stack file.
    const stack = args.positionals[0]!;
    const config = readStackFile(stack);
    if (!config.aws || !config.cluster) throw new UsageError(`stack ${stack}: no aws and cluster sections: not an EKS stack`);
    deps.out(`region=${config.aws.region}`);
    deps.out(`cluster=${config.cluster.name}`);
    return 0;
}

function commandOf(name: string | undefined): Command {
    if (name === "promote" || name === "rollback" || name === "rollout" || name === "cluster") return name;
    throw new UsageError(`expected a command: promote, rollback, rollout or cluster, got ${name === undefined ? "nothing" : `"${name}"`}`);
}

function run(command: Command, args: ParsedArgs<Record<string, OptionSpec>>, deps: ReleaseDeps): Promise<number> | number {
    if (command === "promote") return runPromote(args as ParsedArgs<typeof promoteOptions>, deps);
    if (command === "rollback") return runRollback(args as ParsedArgs<typeof rollbackOptions>, deps);
    if (command === "rollout") return runRollout(args as ParsedArgs<typeof rolloutOptions>, deps);
    return runCluster(args as ParsedArgs<Record<string, never>>, deps);
}

/** Parses and runs one command; throws UsageError/CheckFailedError as runCommand maps them (tests call this). */
export async function main(argv: string[], deps: ReleaseDeps): Promise<number> {
    const command = commandOf(argv[0]);
    const parsed = parseCommandArgs(specs[command] as CommandSpec<Record<string, OptionSpec>>, argv.slice(1));
    if (parsed === "help") return 0;
    return run(command, parsed, deps);
}

if (require.main === module) {
    let pulumiChecked = false;
    const open: OpenStack = (stack) => {
        // The Automation API drives the pulumi CLI on the PATH: one that cannot start is an environment error.
        if (!pulumiChecked) requirePulumi();
        pulumiChecked = true;
        return openAutomationStack(stack);
    };
    const deps: ReleaseDeps = {
        open,
        out: (line) => console.log(line),
        kubectl: (process.env.KUBECTL ?? "kubectl").split(" "),
        verify: releaseVerifier,
    };
    const [name, ...rest] = process.argv.slice(2);
    let command: Command;
    try {
        command = commandOf(name);
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        process.exit(2);
    }
    runCommand(specs[command] as CommandSpec<Record<string, OptionSpec>>, (args) => run(command, args, deps), rest);
}
