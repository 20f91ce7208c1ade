// npm run health -- <stack> [--port-forward] [--detector-url URL] [--mlflow-url URL] [--prometheus-url URL]
//                           [--alertmanager-url URL] [--window 1h] [--timeout-seconds 5]
// Names and namespaces come from the stack's config (Pulumi.<stack>.yaml); endpoints from the
// flags, else DETECTOR_URL / MLFLOW_URL / PROMETHEUS_URL / ALERTMANAGER_URL, else the stack's
// outputs: in-cluster URLs, reached through `kubectl port-forward` with --port-forward (the
// stack's kubeconfig context), as they are from inside the cluster otherwise. Exit 1 when a line fails.
import { parseArgs } from "node:util";
import { openAutomationStack, type OpenStack } from "../release/stack";
import { readStackFile } from "../release/stack-file";
import { portForward, type ClusterAccess, type Forward } from "./port-forward";
import { fetchHttp, formatTable, runHealthCheck, type CheckLine, type HealthEndpoints, type HealthSettings } from "./checks";

const usage =
    "usage: npm run health -- <stack> [--port-forward] [--detector-url URL] [--mlflow-url URL] [--prometheus-url URL] [--alertmanager-url URL] [--window 1h] [--timeout-seconds 5]";

/** A usage or set-up problem (not an unhealthy service): one line, exit 2. */
export class HealthUsageError extends Error {}

const endpointSources: Record<keyof HealthEndpoints, { flag: string; env: string; output: string }> = {
    detector: { flag: "detector-url", env: "DETECTOR_URL", output: "detectorUrl" },
    mlflow: { flag: "mlflow-url", env: "MLFLOW_URL", output: "mlflowUrl" },
    prometheus: { flag: "prometheus-url", env: "PROMETHEUS_URL", output: "prometheusUrl" },
    alertmanager: { flag: "alertmanager-url", env: "ALERTMANAGER_URL", output: "alertmanagerUrl" },
};

export function stackSettings(stack: string, window: string): { settings: HealthSettings; cluster: { context?: string; kubeconfig?: string } } {
    const config = readStackFile(stack);
    return {
        settings: {
            appNamespace: config.kubernetes.appNamespace,
            metrics: config.monitoring.detector,
            backupsJob: config.monitoring.jobs.backups,
            backupFreshness: config.monitoring.backupFreshness,
            deployments: ["detector", "mlflow"],
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
    for (const [key, source] of Object.entries(endpointSources) as [keyof HealthEndpoints, (typeof endpointSources)[keyof HealthEndpoints]][]) {
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
        if (!/^https?:\/\/[^\s/]+/.test(url)) throw new HealthUsageError(`--${endpointSources[key as keyof HealthEndpoints].flag}: expected an http(s) URL, got "${url}"`);
        endpoints[key as keyof HealthEndpoints] = url.replace(/\/+$/, "");
    }
    return endpoints as HealthEndpoints;
}

export interface HealthDeps {
    open: OpenStack;
    /** The kubectl command for --port-forward; default `kubectl` (or $KUBECTL). */
    kubectl?: string[];
    env: Record<string, string | undefined>;
    out: (text: string) => void;
}

/** Returns the exit code: 0 all lines pass, 1 some line failed, 2 the check could not start. */
export async function main(argv: string[], deps: HealthDeps): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            "detector-url": { type: "string" },
            "mlflow-url": { type: "string" },
            "prometheus-url": { type: "string" },
            "alertmanager-url": { type: "string" },
            window: { type: "string", default: "1h" },
            "timeout-seconds": { type: "string", default: "5" },
            "port-forward": { type: "boolean", default: false },
        },
    });
    if (positionals.length !== 1) throw new HealthUsageError(usage);
    const [stack] = positionals;
    if (!/^\d+[smhd]$/.test(values.window)) throw new HealthUsageError(`--window: expected a Prometheus duration such as 1h, got "${values.window}"`);
    const timeout = Number(values["timeout-seconds"]);
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60) throw new HealthUsageError(`--timeout-seconds: expected an integer from 1 to 60, got "${values["timeout-seconds"]}"`);

    let stackConfig: ReturnType<typeof stackSettings>;
    try {
        stackConfig = stackSettings(stack, values.window);
    } catch (e) {
        throw new HealthUsageError((e as Error).message);
    }
    const access: ClusterAccess = { kubectl: deps.kubectl ?? (deps.env.KUBECTL ?? "kubectl").split(" "), ...stackConfig.cluster };
    const forwards: Forward[] = [];
    let lines: CheckLine[];
    try {
        const forward = values["port-forward"] ? (url: string) => portForward(access, url) : undefined;
        const endpoints = await resolveEndpoints(stack, values, deps.env, deps.open, forward, forwards);
        lines = await runHealthCheck(stackConfig.settings, endpoints, fetchHttp(timeout * 1000));
    } finally {
        await Promise.all(forwards.map((f) => f.stop()));
    }
    deps.out(formatTable(lines));
    const failed = lines.filter((l) => !l.ok);
    deps.out(failed.length === 0 ? `\n${stack}: healthy (${lines.length} checks)` : `\n${stack}: ${failed.length} of ${lines.length} checks failed: ${failed.map((l) => l.check).join("; ")}`);
    return failed.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2), { open: openAutomationStack, env: process.env, out: (t) => console.log(t) }).then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(`health: ${e.message.split("\n")[0]}`);
            process.exit(2);
        },
    );
}
