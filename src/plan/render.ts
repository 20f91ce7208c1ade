// Turns a plan into what people and tools read: a tree, per-type counts, JSON, manifest files.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { parsePlatformConfig, type PlatformConfig } from "../../infra/config";
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
        ...kubernetesObjects(plan).map((r) => ({
            path: path.join("kubernetes", manifestFileName(r.inputs, r.name)),
            content: stringify(r.inputs),
        })),
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

/**
 * The settings that differ most between stacks and cost or lose the most when wrong: where it runs,
 * how many replicas, what size of database, how long data is kept and when backups run.
 */
export function settingsTable(config: PlatformConfig): string[] {
    const c = config as PlatformConfig & {
        database: { kind: string; instanceClass?: string; storageSize?: string; backupRetentionDays?: number };
        cluster?: { oidcProviderArn?: string };
    };
    const account = /^arn:aws:iam::(\d{12}):/.exec(c.cluster?.oidcProviderArn ?? "")?.[1];
    const registry = c.images?.registryAccountId;
    const days = (d: number) => `${d} d`;
    const rows: [string, string][] = [
        ["environment", c.environment],
        [
            "account, region",
            c.aws
                ? `${account ?? "(from the credentials)"}, ${c.aws.region}${registry && registry !== account ? `; images from ${registry}` : ""}`
                : "none (local cluster)",
        ],
        ["detector replicas", `${c.detector.replicas}${c.detector.maxReplicas ? ` (autoscaled up to ${c.detector.maxReplicas})` : ""}`],
        ["mlflow replicas", String(c.mlflow.replicas)],
        [
            "database",
            c.database.kind === "rds"
                ? `RDS ${c.database.instanceClass}, ${c.database.storageSize}, automated backups ${days(c.database.backupRetentionDays ?? 0)}`
                : `${c.database.kind}${c.database.storageSize ? `, ${c.database.storageSize}` : ""}`,
        ],
        ["metrics retention", `${c.monitoring.retention} (${c.monitoring.storageSize})`],
        [
            "log retention",
            Object.entries(c.logging.retentionDays)
                .map(([k, d]) => `${k} ${days(d)}`)
                .join(", "),
        ],
        [
            "backup schedules (UTC)",
            Object.entries(c.backups.schedules)
                .map(([k, cron]) => `${k} "${cron}"`)
                .join(", "),
        ],
        [
            "backup retention",
            `${days(c.backups.retentionDays)}${c.backups.replicaRegion ? `, replicated to ${c.backups.replicaRegion}` : ""}`,
        ],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    return ["settings:", ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}

export function planTree(plan: Plan): string {
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines = [
        `stack ${plan.stack} (${plan.project})`,
        ...settingsTable(parsePlatformConfig(plan.config, plan.stack)),
        "",
        "resources:",
    ];
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
    for (const [key, value] of Object.entries(plan.outputs))
        lines.push(`  ${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
    return lines.join("\n");
}
