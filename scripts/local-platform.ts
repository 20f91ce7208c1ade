// What `npm run local:up` and `local:down` share: the tools they need, the kind cluster, where the
// local Pulumi state and passphrase live, and a step runner that prints progress and a summary.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CheckFailedError, UsageError } from "../src/cli/command";
import { repoRoot } from "../src/plan/run";

export const clusterName = "pneumonia";
export const kindConfig = path.join(repoRoot, "scripts/local-kind.yaml");
export const stackName = "local";
/**
 * The local state backend: a folder under the repository (git-ignored), not the user's global login.
 * PNEUMONIA_LOCAL_STATE_DIR moves it (the tests keep theirs in a temporary directory).
 */
export const stateDir = process.env.PNEUMONIA_LOCAL_STATE_DIR || path.join(repoRoot, ".pulumi");

export interface Tool {
    name: string;
    install: string;
}

export const tools = {
    docker: { name: "docker", install: "https://docs.docker.com/get-docker/ (Docker Desktop, or docker-ce on Linux)" },
    kind: {
        name: "kind",
        install:
            "https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. brew install kind, or go install sigs.k8s.io/kind@latest)",
    },
    pulumi: {
        name: "pulumi",
        install: "https://www.pulumi.com/docs/iac/download-install/ (e.g. brew install pulumi, or curl -fsSL https://get.pulumi.com | sh)",
    },
    kubectl: { name: "kubectl", install: "https://kubernetes.io/docs/tasks/tools/ (e.g. brew install kubectl)" },
} satisfies Record<string, Tool>;

function onPath(tool: string): boolean {
    return spawnSync("/bin/sh", ["-c", 'command -v "$0"', tool], { stdio: "ignore" }).status === 0;
}

/** Names every missing tool with how to install it, one line each, then fails (exit 2) before anything starts. */
export function requireTools(needed: Tool[]): void {
    const missing = needed.filter((t) => !onPath(t.name));
    for (const t of missing) process.stderr.write(`missing: ${t.name}: install it from ${t.install}\n`);
    if (missing.length)
        throw new UsageError(`${missing.length} required tool(s) missing: ${missing.map((t) => t.name).join(", ")}; nothing was started`);
}

/**
 * Pulumi's environment for the local stack: state in `.pulumi/` (PULUMI_BACKEND_URL, so the user's
 * own `pulumi login` is left alone) and the passphrase secrets provider, with a generated passphrase
 * kept in `.pulumi/passphrase` (mode 0600) unless PULUMI_CONFIG_PASSPHRASE(_FILE) is already set.
 * https://www.pulumi.com/docs/iac/cli/environment-variables/
 */
export function pulumiEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    mkdirSync(stateDir, { recursive: true });
    const out: NodeJS.ProcessEnv = { ...env, PULUMI_BACKEND_URL: `file://${stateDir}`, PULUMI_SKIP_UPDATE_CHECK: "true" };
    if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
        const file = path.join(stateDir, "passphrase");
        if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600 });
        out.PULUMI_CONFIG_PASSPHRASE_FILE = file;
    }
    return out;
}

/** Runs a command with its output shown; fails naming the command and its exit status. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: options.cwd ?? repoRoot,
            env: options.env ?? process.env,
            stdio: ["ignore", "inherit", "inherit"],
        });
        child.once("error", (e) => reject(new CheckFailedError(`${command}: ${e.message}`)));
        child.once("exit", (code, signal) =>
            code === 0
                ? resolve()
                : reject(
                      new CheckFailedError(`\`${[command, ...args].join(" ")}\` ${signal ? `ended by ${signal}` : `exited with ${code}`}`),
                  ),
        );
    });
}

/** Runs a command and returns its stdout (for queries such as `kind get clusters`). */
export function capture(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
    const r = spawnSync(command, args, { cwd: repoRoot, env, encoding: "utf8" });
    if (r.status !== 0)
        throw new CheckFailedError(
            `\`${[command, ...args].join(" ")}\` exited with ${r.status}: ${(r.stderr || "").trim().split("\n")[0]}`,
        );
    return r.stdout;
}

export interface Step {
    title: string;
    /** Returns a short result for the progress line and the summary. */
    run(): Promise<string>;
}

interface Outcome {
    title: string;
    status: "ok" | "FAILED" | "not run";
    detail: string;
    seconds: number;
}

/** Runs steps in order with progress, stops at the first failure, prints a summary; rethrows that failure. */
export async function runSteps(name: string, steps: Step[]): Promise<void> {
    const outcomes: Outcome[] = steps.map((s) => ({ title: s.title, status: "not run", detail: "", seconds: 0 }));
    let failure: unknown;
    for (const [i, step] of steps.entries()) {
        process.stdout.write(`[${i + 1}/${steps.length}] ${step.title}\n`);
        const start = performance.now();
        try {
            outcomes[i]!.detail = await step.run();
            outcomes[i]!.status = "ok";
        } catch (e) {
            outcomes[i]!.status = "FAILED";
            outcomes[i]!.detail = (e as Error).message.split("\n")[0]!;
            failure = e;
        }
        outcomes[i]!.seconds = (performance.now() - start) / 1000;
        process.stdout.write(`      ${outcomes[i]!.status}: ${outcomes[i]!.detail} (${outcomes[i]!.seconds.toFixed(1)} s)\n`);
        if (failure) break;
    }
    const width = Math.max(...outcomes.map((o) => o.title.length));
    process.stdout.write(`\n${name} summary:\n`);
    for (const o of outcomes)
        process.stdout.write(
            `  ${o.status.padEnd(7)} ${o.title.padEnd(width)}  ${o.status === "not run" ? "" : `${o.seconds.toFixed(1)} s  ${o.detail}`}\n`,
        );
    if (failure)
        throw failure instanceof CheckFailedError || failure instanceof UsageError
            ? failure
            : new CheckFailedError((failure as Error).message);
}
