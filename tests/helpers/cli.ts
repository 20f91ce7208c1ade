// Runs one of the repository's CLIs the way `npm run` does (through tsx), as a child process.
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export const repoRoot = path.resolve(__dirname, "../..");
const tsx = path.join(repoRoot, "node_modules/.bin/tsx");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export function runCli(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
    const result = spawnSync(tsx, [path.join(repoRoot, script), ...args], {
        cwd: options.cwd ?? repoRoot,
        env: options.env ?? process.env,
        input: options.input,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
