// Starts the program the way the Pulumi CLI's Node.js language host starts it for a preview, so
// the figure and the resources are what `pulumi preview` would see, without the CLI.
//
// What the host does (sdk/nodejs/cmd/pulumi-language-nodejs/main.go at github.com/pulumi/pulumi
// tag v3.248.0; constructArguments, constructConfig, parseOptions, execRuntime):
//   node <runtime.options.nodeargs> <program dir>/node_modules/@pulumi/pulumi/cmd/run
//        --monitor ADDR --engine ADDR --organization ORG --project P --root-directory ROOT
//        --stack S --pwd <program dir> --dry-run --parallel N <entry point>
//   env: PULUMI_CONFIG (JSON, keys "<namespace>:config:<name>"), PULUMI_CONFIG_SECRET_KEYS (JSON),
//        PULUMI_NODEJS_TYPESCRIPT=true unless runtime.options.typescript is false,
//        PULUMI_NODEJS_TSCONFIG_PATH when runtime.options.tsconfig is set.
// The engine picks the program directory and entry point from Pulumi.yaml's `main`
// (pkg/engine/project.go getPwdMain): a directory becomes --pwd with entry point ".".
// Left out: --sync (the pipes behind the SDK's deprecated synchronous invokes, which the program
// does not use) and --tracing. The host's own monitor proxy forwards every call unchanged, so the
// program talks to the stand-in directly.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { exampleValuesVariable } from "../../infra/platform/placeholders";
import { readStackConfig } from "../../src/plan/run";
import { processCpuMs } from "./cpu";
import { StandInEngine, type LogEntry, type Registration } from "./engine";

/** What `pulumi` passes as --organization with a DIY (S3 or local) backend. */
const diyOrganization = "organization";

export interface NodeRuntimeOptions {
    typescript: boolean;
    tsconfig?: string;
    nodeargs: string[];
}

export interface ProjectFile {
    name: string;
    main?: string;
    runtime: string | { name: string; options?: Record<string, unknown> };
}

export function readProject(root: string): ProjectFile {
    return parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** runtime.options as the host reads them (parseOptions): typescript defaults to true. */
export function nodeRuntimeOptions(project: ProjectFile): NodeRuntimeOptions {
    const options = typeof project.runtime === "object" ? (project.runtime.options ?? {}) : {};
    const { typescript = true, tsconfig, nodeargs = "" } = options as { typescript?: unknown; tsconfig?: unknown; nodeargs?: unknown };
    if (typeof typescript !== "boolean") throw new Error("Pulumi.yaml runtime.options.typescript: typescript option must be a boolean");
    if (tsconfig !== undefined && typeof tsconfig !== "string")
        throw new Error("Pulumi.yaml runtime.options.tsconfig: tsconfigpath option must be a string");
    if (typeof nodeargs !== "string") throw new Error("Pulumi.yaml runtime.options.nodeargs: nodeargs option must be a string");
    // The host splits nodeargs like a shell (google/shlex); quoting is not needed here, so refuse it rather than guess.
    if (/["'\\]/.test(nodeargs))
        throw new Error("Pulumi.yaml runtime.options.nodeargs: quoted arguments are not supported by this harness");
    return { typescript, ...(tsconfig ? { tsconfig } : {}), nodeargs: nodeargs.split(/\s+/).filter(Boolean) };
}

/** The program directory and entry point the engine derives from Pulumi.yaml's `main`. */
export function programLocation(root: string, project: ProjectFile): { pwd: string; entryPoint: string } {
    if (!project.main) return { pwd: root, entryPoint: "." };
    const main = path.resolve(root, project.main);
    return fs.statSync(main).isDirectory() ? { pwd: main, entryPoint: "." } : { pwd: path.dirname(main), entryPoint: path.basename(main) };
}

export interface PreviewRunOptions {
    stack: string;
    /** Directory holding Pulumi.yaml (default: this repository). */
    root?: string;
    /** ts-node's compile cache; a fresh directory gives a cold start. Default: ts-node's own (in the OS temp dir). */
    tsNodeCacheDirectory?: string;
    timeoutMs?: number;
}

export interface PreviewRun {
    stack: string;
    exitCode: number | null;
    registrations: Registration[];
    logs: LogEntry[];
    /** The error-level logs: a failed program logs its error through the engine before it exits. */
    errors: LogEntry[];
    invokes: string[];
    stderr: string;
    /** Milliseconds from spawning node to the last RegisterResource/ReadResource request. */
    lastRegistrationMs: number;
    /** Milliseconds from spawning node to its exit. */
    exitMs: number;
    /**
     * CPU time (user + system, all threads) the program had used at its last registration: the
     * start's cost independent of what else the machine runs; on idle cores the wall time is close.
     */
    lastRegistrationCpuMs?: number;
}

const repoRoot = path.resolve(__dirname, "../..");

/** Runs one stack's program under `@pulumi/pulumi/cmd/run` against a stand-in engine, as a preview. */
export async function previewUnderLanguageHost(options: PreviewRunOptions): Promise<PreviewRun> {
    const root = options.root ?? repoRoot;
    const project = readProject(root);
    const runtime = nodeRuntimeOptions(project);
    const { pwd, entryPoint } = programLocation(root, project);
    const config = readStackConfig(options.stack, { root });

    // The host resolves the runner from the program directory (locateModule), like `require.resolve`.
    const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
    const engine = new StandInEngine({ project: config.project, stack: options.stack, region: config.region, account: config.account });
    const address = await engine.start();
    const args = [
        ...runtime.nodeargs,
        runPath,
        "--monitor",
        address,
        "--engine",
        address,
        "--organization",
        diyOrganization,
        "--project",
        config.project,
        "--root-directory",
        root,
        "--stack",
        options.stack,
        "--pwd",
        pwd,
        "--dry-run",
        "--parallel",
        String(os.availableParallelism() * 4),
        entryPoint,
    ];
    // Config as the engine hands it over: every value a string (objects as JSON), keys in the legacy form.
    const pulumiConfig = Object.fromEntries(
        Object.entries(config.values).map(([key, value]) => [
            `${config.project}:config:${key}`,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_CONFIG: JSON.stringify(pulumiConfig),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(config.secretKeys.map((key) => `${config.project}:${key}`)),
        // Offline like the plan: its invokes are the plan's mocks, so the stack files' example values run.
        [exampleValuesVariable]: "allow",
        ...(runtime.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
        ...(runtime.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: runtime.tsconfig } : {}),
        ...(options.tsNodeCacheDirectory ? { TS_NODE_CACHE_DIRECTORY: options.tsNodeCacheDirectory } : {}),
    };
    // Nothing of the caller's own TypeScript loader (tsx under mocha or npm scripts) may leak in.
    delete env.NODE_OPTIONS;

    const started = process.hrtime.bigint();
    const startedAtEngineMs = engine.elapsed();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    engine.sampleProgramCpu = () => (child.pid ? processCpuMs(child.pid) : undefined);
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timeout = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    try {
        const exitCode = await new Promise<number | null>((resolve, reject) => {
            child.once("error", reject);
            child.once("exit", (code) => resolve(code));
        });
        const exitMs = Number(process.hrtime.bigint() - started) / 1e6;
        const last = engine.registrations.at(-1)?.at ?? startedAtEngineMs;
        return {
            stack: options.stack,
            exitCode,
            registrations: engine.registrations,
            logs: engine.logs,
            errors: engine.errors,
            invokes: engine.invokes,
            stderr,
            lastRegistrationMs: last - startedAtEngineMs,
            lastRegistrationCpuMs: engine.registrations.at(-1)?.programCpuMs,
            exitMs,
        };
    } finally {
        clearTimeout(timeout);
        await engine.stop();
    }
}
