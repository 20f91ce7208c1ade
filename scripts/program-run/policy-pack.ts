// Starts the policy pack the way `pulumi preview --policy-pack policies` starts it, so its start-up
// time and its answers are the CLI's, without the CLI.
//
// The engine boots a Node.js pack through the language host's RunPlugin with one argument, its
// own address (sdk/go/common/resource/plugin/analyzer_plugin.go NewPolicyAnalyzer); the host runs
// (sdk/nodejs/cmd/pulumi-language-nodejs/main.go RunPlugin, github.com/pulumi/pulumi v3.248.0)
//   node <pack dir>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine address> <pack dir>
// in the pack's directory, with PULUMI_NODEJS_TYPESCRIPT=true and, once the engine has sent the
// stack's configuration, PULUMI_NODEJS_ORGANIZATION/PROJECT/STACK/DRY_RUN, their PULUMI_* twins and
// PULUMI_CONFIG (keys "<namespace>:<name>"; analyzer_plugin.go constructEnv and constructConfig).
// run-policy-pack require()s the directory, i.e. its package.json "main"; the pack prints the port
// of its gRPC analyzer on stdout (@pulumi/policy server.js).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { readStackConfig } from "../../src/plan/run";
import { processCpuMs } from "./cpu";

export const policyPackDir = path.resolve(__dirname, "../../policies");

/**
 * Builds the pack's JavaScript (its package.json "build" script, which `npm ci` in policies/ runs
 * as "prepare"). Throws one line naming the failure.
 */
export function buildPolicyPack(dir = policyPackDir): void {
    const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: dir, encoding: "utf8" });
    if (result.status !== 0) {
        const detail = `${result.stdout}${result.stderr}`.trim().split("\n")[0] ?? "";
        throw new Error(`policy pack build (npm run build in ${dir}) exited ${result.status}: ${detail}`);
    }
}

export interface RunningPolicyPack {
    /** 127.0.0.1:<port> of the pack's gRPC analyzer. */
    address: string;
    /** Milliseconds from spawning node to the port on stdout. */
    startMs: number;
    /** CPU time (user + system, ms) the pack had used when it printed its port; undefined off Linux. */
    startCpuMs?: number;
    /** Stops the pack's process (by its PID, through the child handle). */
    stop(): void;
}

export interface PolicyPackOptions {
    stack: string;
    dir?: string;
    /** The engine's address, the host's one argument (the pack does not call it back). */
    engineAddress?: string;
    /** ts-node's compile cache; the runner registers ts-node even when "main" is JavaScript. */
    tsNodeCacheDirectory?: string;
    timeoutMs?: number;
}

/** Starts the pack under @pulumi/pulumi/cmd/run-policy-pack and waits for its port. */
export async function startPolicyPack(options: PolicyPackOptions): Promise<RunningPolicyPack> {
    const dir = options.dir ?? policyPackDir;
    const config = readStackConfig(options.stack);
    const runPath = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    const pulumiConfig = Object.fromEntries(
        Object.entries(config.values).map(([key, value]) => [
            `${config.project}:${key}`,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_NODEJS_TYPESCRIPT: "true",
        PULUMI_NODEJS_ORGANIZATION: "organization",
        PULUMI_NODEJS_PROJECT: config.project,
        PULUMI_NODEJS_STACK: options.stack,
        PULUMI_NODEJS_DRY_RUN: "true",
        PULUMI_ORGANIZATION: "organization",
        PULUMI_PROJECT: config.project,
        PULUMI_STACK: options.stack,
        PULUMI_DRY_RUN: "true",
        PULUMI_CONFIG: JSON.stringify(pulumiConfig),
        ...(options.tsNodeCacheDirectory ? { TS_NODE_CACHE_DIRECTORY: options.tsNodeCacheDirectory } : {}),
    };
    delete env.NODE_OPTIONS;

    const started = process.hrtime.bigint();
    const child: ChildProcess = spawn(process.execPath, [runPath, options.engineAddress ?? "127.0.0.1:0", dir], {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const stop = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
    };
    const timeout = setTimeout(stop, options.timeoutMs ?? 120_000);
    try {
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (chunk) => {
                out += chunk;
                const match = /^(\d+)\s*$/m.exec(out);
                if (match) resolve(match[1]!);
            });
            child.once("error", reject);
            child.once("exit", (code) =>
                reject(new Error(`the policy pack exited ${code} before serving: ${stderr.trim().split("\n")[0] ?? ""}`)),
            );
        });
        const startMs = Number(process.hrtime.bigint() - started) / 1e6;
        return { address: `127.0.0.1:${port}`, startMs, startCpuMs: processCpuMs(child.pid!), stop };
    } catch (e) {
        stop();
        throw e;
    } finally {
        clearTimeout(timeout);
    }
}
