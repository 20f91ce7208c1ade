import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource } from "@pulumi/policy";
import { stackPolicy } from "../lib/definitions";
import { longestGapHours } from "../lib/cron";
import { containersOf, describeObject, objectsOf, workloadOf } from "../lib/kubernetes";
import { manual } from "../lib/sources";

interface DataStore {
    description: string;
    type?: string;
    name?: string;
    /** `key=value` on a Deployment's or StatefulSet's labels. */
    label?: string;
    backupKind: string;
}

interface Config {
    dataStores: DataStore[];
    backupLabel: string;
    kindLabel: string;
    commandKinds: Record<string, string>;
    maxIntervalHours: number;
    rpoKinds: string[];
}

/** What a backup CronJob backs up: its kind label, else the runner command in its args. */
export function backupKindOf(cronJob: PolicyResource, config: Pick<Config, "kindLabel" | "commandKinds">): string | undefined {
    const workload = workloadOf(cronJob)!;
    const labels = { ...(workload.podMetadata.labels ?? {}), ...(workload.metadata.labels ?? {}) } as Record<string, string>;
    if (labels[config.kindLabel]) return labels[config.kindLabel];
    const words = containersOf(workload.pod).flatMap(({ container }) => [...(container.command ?? []), ...(container.args ?? [])]);
    const command = Object.keys(config.commandKinds).find((c) => words.some((w) => w.split(/\s+/).includes(c)));
    return command === undefined ? undefined : config.commandKinds[command];
}

function isStore(resource: PolicyResource, store: DataStore): boolean {
    if (store.type !== undefined && resource.type !== store.type) return false;
    if (store.name !== undefined && resource.name !== store.name) return false;
    if (store.label !== undefined) {
        const workload = workloadOf(resource);
        if (!workload || (workload.kind !== "StatefulSet" && workload.kind !== "Deployment")) return false;
        const [key, value] = store.label.split("=", 2);
        if ((workload.metadata.labels as Record<string, string> | undefined)?.[key] !== value) return false;
    }
    return store.type !== undefined || store.name !== undefined || store.label !== undefined;
}

export const stackDataStoreBackups = stackPolicy<Config>(
    {
        name: "stack-data-store-backups",
        description:
            "Every data store (the database, the artifact bucket or store) has a backup CronJob of its kind, not suspended, running at least daily (RPO 24 h).",
        severity: "critical",
        framework: manual("Backup and Recovery: daily backups, RPO 24 hours"),
        remediationSteps:
            "Add a CronJob labelled app.kubernetes.io/name=backup and pneumonia.io/backup-kind=<kind> running the backup runner (db-dump, models) at least daily.",
    },
    {
        dataStores: {
            type: "array",
            description:
                "What counts as a data store and the backup kind it needs; a store matches when all of type, name and label match.",
            items: {
                type: "object",
                required: ["description", "backupKind"],
                additionalProperties: false,
                properties: {
                    description: { type: "string" },
                    type: { type: "string" },
                    name: { type: "string" },
                    label: { type: "string", pattern: "^[^=]+=.*$" },
                    backupKind: { type: "string" },
                },
            },
            default: [
                { description: "the MLflow database (RDS)", type: "aws:rds/instance:Instance", backupKind: "db" },
                { description: "the MLflow database (Aurora)", type: "aws:rds/cluster:Cluster", backupKind: "db" },
                { description: "the MLflow database (in-cluster Postgres)", label: "app.kubernetes.io/name=postgres", backupKind: "db" },
                { description: "the artifact bucket", type: "aws:s3/bucket:Bucket", name: "artifacts", backupKind: "models" },
                {
                    description: "the artifact store (in-cluster MinIO)",
                    label: "app.kubernetes.io/name=object-store",
                    backupKind: "models",
                },
            ],
        },
        backupLabel: {
            type: "string",
            pattern: "^[^=]+=.*$",
            default: "app.kubernetes.io/name=backup",
            description: "Label (key=value) of backup CronJobs.",
        },
        kindLabel: { type: "string", default: "pneumonia.io/backup-kind", description: "Label naming what a backup CronJob backs up." },
        commandKinds: {
            type: "object",
            additionalProperties: { type: "string" },
            default: { "db-dump": "db", models: "models", config: "config", verify: "verify" },
            description: "Backup runner commands and the kind each backs up, for CronJobs without the kind label.",
        },
        maxIntervalHours: {
            type: "integer",
            minimum: 1,
            default: 24,
            description: "Longest gap between two runs (the manual's 24 h RPO).",
        },
        rpoKinds: {
            type: "array",
            items: { type: "string" },
            default: ["db", "models", "config"],
            description: "Backup kinds held to maxIntervalHours (the weekly restore test, verify, is not a backup).",
        },
    },
    (args, report, config) => {
        const [labelKey, labelValue] = config.backupLabel.split("=", 2);
        const backups = objectsOf(args.resources, k8s.batch.v1.CronJob).filter(
            (c) => (c.props.metadata?.labels ?? {})[labelKey] === labelValue,
        );
        const scheduled = new Map<string, PolicyResource[]>();
        for (const cronJob of backups) {
            const what = describeObject("CronJob", cronJob.props.metadata);
            const kind = backupKindOf(cronJob, config);
            if (kind === undefined) {
                report(
                    `${what} is labelled ${config.backupLabel} but neither its ${config.kindLabel} label nor its command names what it backs up`,
                    cronJob.urn,
                );
                continue;
            }
            const gap = longestGapHours(String(cronJob.props.spec?.schedule ?? ""));
            if (cronJob.props.spec?.suspend === true) report(`${what} (${kind}) is suspended`, cronJob.urn);
            else if (gap === undefined)
                report(`${what} (${kind}) has an unreadable schedule "${cronJob.props.spec?.schedule}"`, cronJob.urn);
            else if (gap > config.maxIntervalHours && config.rpoKinds.includes(kind)) {
                report(`${what} (${kind}) runs up to ${gap} h apart; at most ${config.maxIntervalHours} h (RPO)`, cronJob.urn);
            } else scheduled.set(kind, [...(scheduled.get(kind) ?? []), cronJob]);
        }
        for (const resource of args.resources) {
            for (const store of config.dataStores.filter((s) => isStore(resource, s))) {
                if (!scheduled.has(store.backupKind)) {
                    report(`${store.description} (${resource.name}) has no scheduled ${store.backupKind} backup CronJob`, resource.urn);
                }
            }
        }
    },
);
