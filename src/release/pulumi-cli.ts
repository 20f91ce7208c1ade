// What a failed Pulumi CLI call becomes for an operator: one line with what failed and why, exit 1
// for a failed operation, exit 2 for a CLI that is missing or cannot run here.
//
// The Automation API (node_modules/@pulumi/pulumi/automation/cmd.js, exec) runs the CLI with
// execa, which rejects on a non-zero exit; it re-wraps that rejection as a CommandError whose
// message is `code: -2\n stdout: \n stderr: Command failed with exit code 255: pulumi up …` and
// whose commandResult.err is execa's error, carrying the CLI's own stdout, stderr and exitCode
// (or code ENOENT when nothing could be started). The CLI prints a failed update's causes in its
// "Diagnostics:" block (a `  <type> (<name>):` line per resource, `    error: …` under it) and
// mandatory policy violations as `[mandatory]` lines; its own fatal errors go to stderr as `error: …`.
import { spawn, spawnSync } from "node:child_process";
import { CheckFailedError, UsageError } from "../cli/command";

const install = "https://www.pulumi.com/docs/iac/download-install/";

interface CliOutput {
    stdout: string;
    stderr: string;
    exitCode?: number;
    /** The spawn error's code, e.g. ENOENT. */
    spawnCode?: string;
}

/** A failed CLI call made without the Automation API (see runPulumi): what it printed and how it ended. */
export class PulumiCliError extends Error {
    override name = "PulumiCliError";
    constructor(readonly output: CliOutput) {
        super(`pulumi exited ${output.exitCode ?? output.spawnCode}`);
    }
}

/**
 * Runs `pulumi <args>` with `input` on stdin (a secret value: never on the command line, where
 * `ps` and /proc/<pid>/cmdline show it); resolves with stdout, rejects with PulumiCliError.
 */
export function runPulumi(args: string[], options: { cwd: string; input?: string }): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--non-interactive"], {
            cwd: options.cwd,
            env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.once("error", (e: NodeJS.ErrnoException) => reject(new PulumiCliError({ stdout, stderr, spawnCode: e.code })));
        child.once("close", (code) =>
            code === 0 ? resolve(stdout) : reject(new PulumiCliError({ stdout, stderr, exitCode: code ?? undefined })),
        );
        child.stdin.on("error", () => undefined);
        child.stdin.end(options.input ?? "");
    });
}

function cliOutput(error: unknown): CliOutput | undefined {
    if (error instanceof PulumiCliError) return error.output;
    const e = error as {
        commandResult?: {
            stdout?: string;
            stderr?: string;
            code?: number;
            err?: { stdout?: string; stderr?: string; exitCode?: number; code?: string };
        };
    };
    const result = e?.commandResult;
    if (!result) return undefined;
    const inner = result.err;
    return {
        stdout: inner?.stdout ?? result.stdout ?? "",
        stderr: inner?.stderr ?? result.stderr ?? "",
        exitCode: inner?.exitCode ?? (result.code !== -2 ? result.code : undefined),
        spawnCode: typeof inner?.code === "string" ? inner.code : undefined,
    };
}

// eslint-disable-next-line no-control-regex -- ESC (0x1b) opens an ANSI colour escape: the control character is intended.
const ansi = /\x1b\[[0-9;]*m/g;
const generic = /^error: (update|preview|destroy|refresh) failed$/;

/** The failing resources with their messages, and policy violations; else the last line that says anything. */
export function meaningfulLines(output: { stdout: string; stderr: string }, max = 3): string[] {
    const found: string[] = [];
    for (const text of [output.stdout, output.stderr]) {
        let resource: string | undefined;
        const lines = text.replace(ansi, "").split("\n");
        for (let i = 0; i < lines.length; i++) {
            const line = lines[i]!;
            const header = /^ {2}(\S+ \(.+\)):$/.exec(line);
            if (header) {
                resource = header[1];
                continue;
            }
            const trimmed = line.trim();
            if (/^- \[mandatory\]/.test(trimmed)) {
                // `- [mandatory]  <policy>  (<type>: <name>)` then the message on the next line.
                const message = lines[i + 1]?.trim();
                found.push(`${trimmed.replace(/^- \[mandatory\]\s+/, "policy ").replace(/\s{2,}/g, " ")}${message ? `: ${message}` : ""}`);
            } else if (/^error: /.test(trimmed) && !generic.test(trimmed)) {
                // A multi-line error ("1 error occurred:" then "* …") is told by its first detail line.
                const detail = /occurred:$/.test(trimmed)
                    ? lines
                          .slice(i + 1)
                          .find((l) => l.trim().startsWith("*"))
                          ?.trim()
                          .replace(/^\*\s*/, "")
                    : undefined;
                const message = detail ?? trimmed.replace(/^error: /, "");
                found.push(line.startsWith("    ") && resource ? `${resource}: ${message}` : message);
            }
        }
    }
    const unique = [...new Set(found)];
    if (unique.length > 0) return unique.slice(-max);
    const last = [output.stderr, output.stdout]
        .map((t) =>
            t
                .replace(ansi, "")
                .split("\n")
                .map((l) => l.trim())
                .filter((l) => l !== "" && !generic.test(l))
                .at(-1),
        )
        .find(Boolean);
    return last ? [last] : [];
}

/** Settings the CLI needs from its environment (login, passphrase, project, stack): exit 2, not a failed operation. */
const environmentProblem =
    /PULUMI_CONFIG_PASSPHRASE|PULUMI_ACCESS_TOKEN|not logged in|no stack named .* found|no Pulumi\.yaml project file found|could not find plugin|failed to start/;

/** The error to throw for a failed `pulumi <operation>`: UsageError (exit 2) for the environment, CheckFailedError (exit 1) otherwise. */
export function pulumiFailure(error: unknown, operation: string): Error {
    if (error instanceof UsageError || error instanceof CheckFailedError) return error;
    const output = cliOutput(error);
    if (!output) return error instanceof Error ? error : new Error(String(error));
    if (output.spawnCode === "ENOENT") return new UsageError(`pulumi ${operation}: the pulumi CLI is not on PATH: install it (${install})`);
    const lines = meaningfulLines(output);
    const detail = lines.length > 0 ? lines.join("; ") : `exit ${output.exitCode ?? "unknown"}, no output`;
    if (environmentProblem.test(`${output.stderr}\n${detail}`)) return new UsageError(`pulumi ${operation}: ${detail}`);
    return new CheckFailedError(`pulumi ${operation} failed: ${detail}`);
}

/** Runs a Pulumi call, turning its failure into pulumiFailure's one line. */
export async function pulumiCall<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (error) {
        throw pulumiFailure(error, operation);
    }
}

/**
 * Fails with an environment error (exit 2) unless `pulumi version` runs and prints a version: the
 * npm `pulumi` package, for one, is a launcher that downloads the CLI on first use and without
 * network exits 1 with "pulumi: fetch failed".
 */
export function requirePulumi(env: NodeJS.ProcessEnv = process.env): void {
    const run = spawnSync("pulumi", ["version"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, encoding: "utf8", timeout: 120_000 });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT")
        throw new UsageError(`pulumi CLI not found on PATH: install it (${install})`);
    const version = run.stdout?.trim() ?? "";
    if (run.status === 0 && /^v?\d+\.\d+\.\d+/.test(version)) return;
    const where = spawnSync("/bin/sh", ["-c", 'command -v "$0"', "pulumi"], { env, encoding: "utf8" }).stdout?.trim() || "pulumi";
    const why =
        meaningfulLines({ stdout: "", stderr: `${run.stderr ?? ""}\n${run.error?.message ?? ""}` }, 1)[0] ??
        `exit ${run.status ?? run.signal}`;
    throw new UsageError(`the pulumi CLI on PATH (${where}) cannot start: ${why}: install the CLI (${install})`);
}
