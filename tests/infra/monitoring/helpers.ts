// Shared set-up of the monitoring tests: each stack's parsed config and scratch directories.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { environments, parsePlatformConfig, type PlatformSettings } from "../../../infra/config";

export const repoRoot = join(__dirname, "..", "..", "..");
const project = "pneumonia-platform";

/** The stack's config as the program parses it, from Pulumi.<stack>.yaml (secrets left out). */
export function stackConfig(stack: string): PlatformSettings {
    const file = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(file.config ?? {})) {
        if (key.startsWith(`${project}:`)) raw[key.slice(project.length + 1)] = value;
    }
    return parsePlatformConfig(raw, stack);
}

export const stacks = [...environments];

export function scratchDir(prefix: string): { path: string; remove: () => void } {
    const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
