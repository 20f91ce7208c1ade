// Runs one of the repository's CLIs the way `npm run` does (through tsx), as a child process: one Node
// process with tsx's hook, not tsx's launcher, which would start a second Node for each call.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "../..");
/** tsx's CommonJS hook, by absolute path: a CLI may run in another working directory. */
const tsxHook = require.resolve("tsx/cjs");

/** The command that runs a TypeScript file as `npm run` does: prefix it to the file and its arguments. */
export const tsxNode: readonly [string, ...string[]] = [process.execPath, "--require", tsxHook];

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export function runCli(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
    const result = spawnSync(process.execPath, ["--require", tsxHook, path.join(repoRoot, script), ...args], {
        cwd: options.cwd ?? repoRoot,
        env: options.env ?? process.env,
        input: options.input,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
