// Turns a plan into what people and tools read: a tree, per-type counts, JSON, manifest files.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { parsePlatformConfig } from "../../infra/config";
import { loggingArtifacts } from "../../infra/logging";
import { monitoringArtifacts } from "../../infra/monitoring";
import type { Plan, PlannedResource } from "./run";

/** Kubernetes objects the plan would send to the API server (providers and Helm releases excluded). */
export function kubernetesObjects(plan: Plan): PlannedResource[] {
    return plan.resources.filter(
        (r) => r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string" && typeof r.inputs.apiVersion === "string",
    );
}

/** Objects Pulumi auto-names (no metadata.name) are filed under their resource name. */
export function manifestFileName(object: Record<string, unknown>, resourceName: string): string {
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    return `${String(object.kind).toLowerCase()}-${metadata.namespace ?? "cluster"}-${metadata.name ?? resourceName}.yaml`;
}

/**
 * Writes what reviewers and tools read: DIR/kubernetes/<kind>-<namespace>-<name>.yaml for every
 * object, and the monitoring artifacts (prometheus/rules.yaml for promtool, alertmanager/
 * alertmanager.yaml for amtool, grafana/<dashboard>.json), and the log pipeline's (loki/rules.yaml,
 * alloy/config.alloy). Returns the paths written.
 */
export function writeArtifacts(plan: Plan, dir: string): string[] {
    const files = [
        ...kubernetesObjects(plan).map((r) => ({ path: path.join("kubernetes", manifestFileName(r.inputs, r.name)), content: stringify(r.inputs) })),
        ...monitoringArtifacts(parsePlatformConfig(plan.config, plan.stack)),
        ...loggingArtifacts(parsePlatformConfig(plan.config, plan.stack)),
    ];
    return files.map((file) => {
        const target = path.join(dir, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.content);
        return target;
    });
}

export function planJson(plan: Plan): string {
    return JSON.stringify(
        {
            stack: plan.stack,
            resources: plan.resources.map(({ urn, type, name, parent, protect, retainOnDelete, inputs }) => ({
                urn,
                type,
                name,
                parent: parent ?? null,
                protect,
                retainOnDelete,
                inputs,
            })),
        },
        null,
        2,
    );
}

export function planTree(plan: Plan): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines = [`stack ${plan.stack} (${plan.project})`];
    const walk = (parent: string | undefined, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth + 1)}${r.type}  ${r.name}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(undefined, 0);
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const width = Math.max(...[...counts.keys()].map((t) => t.length));
    lines.push("", "resources per type:");
    for (const [type, count] of [...counts].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${type.padEnd(width)}  ${count}`);
    lines.push(`  ${"total".padEnd(width)}  ${plan.resources.length}`);
    lines.push("", "outputs:");
    for (const [key, value] of Object.entries(plan.outputs)) lines.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    return lines.join("\n");
}
