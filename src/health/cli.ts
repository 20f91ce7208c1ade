// npm run health -- <stack> [--port-forward] [--detector-url URL] [--mlflow-url URL] [--prometheus-url URL]
//                           [--alertmanager-url URL] [--loki-url URL] [--window 1h] [--timeout-seconds 5]
// Names and namespaces come from the stack's config (Pulumi.<stack>.yaml); endpoints from the
// flags, else DETECTOR_URL / MLFLOW_URL / PROMETHEUS_URL / ALERTMANAGER_URL, else the stack's
// outputs: in-cluster URLs, reached through `kubectl port-forward` with --port-forward (the
// stack's kubeconfig context), as they are from inside the cluster otherwise. Exit 1 when a line fails.
import { invokeCommand, requireTool, runCommand, UsageError, type CommandSpec, type OptionSpec, type ParsedArgs } from "../cli/command";
import { maskCredentials } from "../cli/http";
import { openAutomationStack, type OpenStack } from "../release/stack";
import { readStackFile } from "../release/stack-file";
import { portForward, type ClusterAccess, type Forward } from "./port-forward";
import { fetchHttp, formatTable, runHealthCheck, type CheckLine, type HealthEndpoints, type HealthSettings } from "./checks";

export const healthCommand = {
    invocation: "npm run --silent health --",
    positionals: "<stack>",
    summary: "The manual's morning health check of a deployed stack: one line per check, pass or fail; exit 1 names the failed lines.",
    options: {
        "port-forward": {
            type: "boolean",
            description: "reach the stack's in-cluster URLs through kubectl port-forward (its kubeconfig context)",
        },
        "detector-url": {
            type: "string",
            value: "URL",
            description: "the detector (else $DETECTOR_URL, else the stack output detectorUrl)",
        },
        "mlflow-url": { type: "string", value: "URL", description: "MLflow (else $MLFLOW_URL, else mlflowUrl)" },
        "prometheus-url": { type: "string", value: "URL", description: "Prometheus (else $PROMETHEUS_URL, else prometheusUrl)" },
        "alertmanager-url": { type: "string", value: "URL", description: "Alertmanager (else $ALERTMANAGER_URL, else alertmanagerUrl)" },
        "loki-url": {
            type: "string",
            value: "URL",
            description: "Loki, for the log-ingestion line (else $LOKI_URL, else lokiUrl; none: no line)",
        },
        window: { type: "string", value: "DURATION", description: "rate window for error rate and latency (default 1h)" },
        "timeout-seconds": { type: "string", value: "N", description: "per-request timeout, 1 to 60 (default 5)" },
    },
    minPositionals: 1,
    maxPositionals: 1,
    examples: [
        "npm run --silent health -- production --port-forward",
        "npm run --silent health -- staging --prometheus-url http://127.0.0.1:9090",
    ],
    notes: ["Exit codes: 0 every line passes, 1 some line failed, 2 the check could not start."],
} satisfies CommandSpec<Record<string, OptionSpec>>;

/** A usage or set-up problem (not an unhealthy service): one line, exit 2. */
export class HealthUsageError extends UsageError {}

const endpointSources: Record<keyof HealthEndpoints, { flag: string; env: string; output: string }> = {
    detector: { flag: "detector-url", env: "DETECTOR_URL", output: "detectorUrl" },
    mlflow: { flag: "mlflow-url", env: "MLFLOW_URL", output: "mlflowUrl" },
    prometheus: { flag: "prometheus-url", env: "PROMETHEUS_URL", output: "prometheusUrl" },
    alertmanager: { flag: "alertmanager-url", env: "ALERTMANAGER_URL", output: "alertmanagerUrl" },
};

export function stackSettings(
    stack: string,
    window: string,
): { settings: HealthSettings; cluster: { context?: string; kubeconfig?: string } } {
    const config = readStackFile(stack);
    return {
        settings: {
            appNamespace: config.kubernetes.appNamespace,
            metrics: config.monitoring.detector,
            backupsJob: config.monitoring.jobs.backups,
            backupFreshness: config.monitoring.backupFreshness,
            deployments: ["mlflow"],
            // The detector is an Argo Rollout (infra/detector/component.ts).
            rollouts: ["detector"],
            window,
        },
        cluster: { context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfig },
    };
}

async function resolveEndpoints(
    stack: string,
    flags: Record<string, unknown>,
    env: Record<string, string | undefined>,
    open: OpenStack,
    forward: ((url: string) => Promise<Forward>) | undefined,
    forwards: Forward[],
): Promise<HealthEndpoints> {
    const endpoints: Partial<HealthEndpoints> = {};
    const missing: (keyof HealthEndpoints)[] = [];
    for (const [key, source] of Object.entries(endpointSources) as [
        keyof HealthEndpoints,
        (typeof endpointSources)[keyof HealthEndpoints],
    ][]) {
        const value = (flags[source.flag] as string | undefined) ?? env[source.env];
        if (value) endpoints[key] = value;
        else missing.push(key);
    }
    if (missing.length > 0) {
        let outputs: Record<string, unknown>;
        try {
            outputs = await (await open(stack)).outputs();
        } catch (e) {
            const flags = missing.map((k) => `--${endpointSources[k].flag}`).join(", ");
            throw new HealthUsageError(`stack ${stack}: cannot read its outputs (${(e as Error).message.split("\n")[0]}); give ${flags}`);
        }
        for (const key of missing) {
            const value = outputs[endpointSources[key].output];
            if (typeof value !== "string") {
                const source = endpointSources[key];
                throw new HealthUsageError(`${key}: no --${source.flag}, no ${source.env} and no stack output ${source.output}`);
            }
            if (forward) {
                const f = await forward(value).catch((e: Error) => {
                    throw new HealthUsageError(`${key}: ${e.message}`);
                });
                forwards.push(f);
                endpoints[key] = f.url;
            } else {
                endpoints[key] = value;
            }
        }
    }
    for (const [key, url] of Object.entries(endpoints)) {
        if (!/^https?:\/\/[^\s/]+/.test(url))
            throw new HealthUsageError(
                `--${endpointSources[key as keyof HealthEndpoints].flag}: expected an http(s) URL, got "${maskCredentials(url)}"`,
            );
        endpoints[key as keyof HealthEndpoints] = url.replace(/\/+$/, "");
    }
    return endpoints as HealthEndpoints;
}

/** Loki for the log-ingestion line: --loki-url, LOKI_URL, or the stack output lokiUrl; none, no line. */
async function resolveLokiUrl(
    stack: string,
    given: string | undefined,
    open: OpenStack,
    forward: ((url: string) => Promise<Forward>) | undefined,
    forwards: Forward[],
): Promise<string | undefined> {
    if (given !== undefined) {
        if (!/^https?:\/\/[^\s/]+/.test(given))
            throw new HealthUsageError(`--loki-url: expected an http(s) URL, got "${maskCredentials(given)}"`);
        return given.replace(/\/+$/, "");
    }
    const output = await Promise.resolve()
        .then(() => open(stack))
        .then((s) => s.outputs())
        .then(
            (o) => o.lokiUrl,
            () => undefined,
        );
    if (typeof output !== "string") return undefined;
    if (!forward) return output;
    const f = await forward(output).catch((e: Error) => {
        throw new HealthUsageError(`loki: ${e.message}`);
    });
    forwards.push(f);
    return f.url;
}

export interface HealthDeps {
    open: OpenStack;
    /** The kubectl command for --port-forward; default `kubectl` (or $KUBECTL). */
    kubectl?: string[];
    env: Record<string, string | undefined>;
    out: (text: string) => void;
}

/** Returns the exit code: 0 all lines pass, 1 some line failed; throws a UsageError when the check cannot start. */
export function main(argv: string[], deps: HealthDeps): Promise<number> {
    return invokeCommand(healthCommand, argv, (args) => check(args, deps), deps.out);
}

async function check({ values: flags, positionals: [stack] }: ParsedArgs<typeof healthCommand.options>, deps: HealthDeps): Promise<number> {
    const values = { ...flags, window: flags.window ?? "1h", "timeout-seconds": flags["timeout-seconds"] ?? "5" };
    if (!/^\d+[smhd]$/.test(values.window))
        throw new HealthUsageError(`--window: expected a Prometheus duration such as 1h, got "${values.window}"`);
    const timeout = Number(values["timeout-seconds"]);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60)
        throw new HealthUsageError(`--timeout-seconds: expected an integer from 1 to 60, got "${values["timeout-seconds"]}"`);

    let stackConfig: ReturnType<typeof stackSettings>;
    try {
        stackConfig = stackSettings(stack!, values.window);
    } catch (e) {
        throw new HealthUsageError((e as Error).message);
    }
    const access: ClusterAccess = { kubectl: deps.kubectl ?? (deps.env.KUBECTL ?? "kubectl").split(" "), ...stackConfig.cluster };
    if (values["port-forward"]) requireTool(access.kubectl[0]!, "https://kubernetes.io/docs/tasks/tools/", "kubectl");
    const forwards: Forward[] = [];
    let lines: CheckLine[];
    try {
        const forward = values["port-forward"] ? (url: string) => portForward(access, url) : undefined;
        const endpoints = await resolveEndpoints(stack!, values, deps.env, deps.open, forward, forwards);
        const lokiUrl = await resolveLokiUrl(stack!, values["loki-url"] ?? deps.env.LOKI_URL, deps.open, forward, forwards);
        lines = await runHealthCheck(stackConfig.settings, endpoints, fetchHttp(timeout * 1000), lokiUrl);
    } finally {
        await Promise.all(forwards.map((f) => f.stop()));
    }
    deps.out(formatTable(lines));
    const failed = lines.filter((l) => !l.ok);
    deps.out(
        failed.length === 0
            ? `\n${stack}: healthy (${lines.length} checks)`
            : `\n${stack}: ${failed.length} of ${lines.length} checks failed: ${failed.map((l) => l.check).join("; ")}`,
    );
    return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
    // The Automation API runs the pulumi CLI; without it, say so plainly instead of a spawn error.
    const open: OpenStack = (stack) => {
        requireTool(
            "pulumi",
            "https://www.pulumi.com/docs/install/, or run through npm, which puts the pinned npx pulumi on PATH",
            "pulumi CLI",
        );
        return openAutomationStack(stack);
    };
    runCommand(healthCommand, (args) => check(args, { open, env: process.env, out: (t) => console.log(t) }));
}
