// The scheduled backups: one CronJob per kind plus the weekly restore test, each with its own
// service account, S3 grant (its prefix, no delete) and NetworkPolicy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { databaseClientLabel, platformLabels } from "../platform/labels";
import { trafficPolicy, type PortRule } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "../platform/security";
import type { BucketGrant, StorageAccess } from "../object-store/component";
import type { BackupSchedules } from "./config";
import { backupDeadlineSeconds, backupJobNames, type BackupJobName } from "./schedule";

export { backupJobNames, type BackupJobName };

/** The runner image's user (images/backup/Dockerfile). */
export const runnerUid = 10001;

/** A Kubernetes object the config backup reads (CONFIG_OBJECTS). */
export interface ConfigObjectRef {
    namespace: string;
    kind: "secrets" | "configmaps";
    name: string;
}

/** What grants access to the object store (ObjectStorage.accessFor). */
export type StorageGrants = (name: string, namespace: string, serviceAccount: string, grants: BucketGrant[]) => StorageAccess;

export interface BackupJobsArgs {
    schedules: BackupSchedules;
    stack: string;
    namespace: string;
    image: pulumi.Input<string>;
    storage: StorageGrants;
    backupBucket: pulumi.Input<string>;
    artifactBucket: pulumi.Input<string>;
    /** KMS key of the backup bucket: uploads name it (the bucket policy requires SSE-KMS). Unset in-cluster. */
    backupKmsKeyArn?: pulumi.Input<string>;
    connectionSecretName: pulumi.Input<string>;
    databaseEgress: PortRule;
    pushgateway: { url: pulumi.Input<string>; egress: PortRule };
    /** The configuration that is not in git (generated credentials, rendered ConfigMaps). */
    configObjects: ConfigObjectRef[];
}

interface JobSpec {
    command: string;
    grants: BucketGrant[];
    usesDatabase: boolean;
    env: k8s.types.input.core.v1.EnvVar[];
}

/** Where an S3-compatible API server or the Kubernetes API lives: outside the pod network. */
const kubernetesApiEgress: PortRule[] = [{ port: 443 }, { port: 6443 }];

export function runnerResources(): k8s.types.input.core.v1.ResourceRequirements {
    // The runner peaks near 120 MiB (docs/benchmarks.md); pg_dump/pg_restore add their own buffers.
    return { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };
}

/** One runner pod: restricted, read-only root, /tmp as the only writable path, no ingress at all. */
export function runnerPodSpec(args: {
    serviceAccountName: pulumi.Input<string>;
    automountToken: boolean;
    image: pulumi.Input<string>;
    containers: { name: string; args: string[]; env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[] }[];
    initContainers?: { name: string; args: string[]; env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[] }[];
}): k8s.types.input.core.v1.PodSpec {
    const scratch = scratchVolumes({ tmp: "/tmp" });
    const container = (c: { name: string; args: string[]; env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[] }) => ({
        name: c.name,
        image: args.image,
        args: c.args,
        env: [{ name: "HOME", value: "/tmp" }, ...c.env],
        resources: runnerResources(),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: scratch.volumeMounts,
    });
    return {
        serviceAccountName: args.serviceAccountName,
        automountServiceAccountToken: args.automountToken,
        restartPolicy: "Never",
        securityContext: restrictedPodSecurityContext(runnerUid),
        ...(args.initContainers ? { initContainers: args.initContainers.map(container) } : {}),
        containers: args.containers.map(container),
        volumes: scratch.volumes,
    };
}

export function databaseUrlEnv(connectionSecretName: pulumi.Input<string>, name = "DATABASE_URL"): k8s.types.input.core.v1.EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: connectionSecretName, key: "uri" } } };
}

/**
 * CronJobs `backup-db`, `backup-models`, `backup-config` (daily) and `backup-verify` (weekly):
 * never two runs at once, a deadline per run, bounded retries and history, and a service account
 * per job whose storage grant is its own prefix, written but never deleted.
 */
export class BackupJobs extends pulumi.ComponentResource {
    public readonly cronJobs: Record<BackupJobName, k8s.batch.v1.CronJob>;

    constructor(name: string, args: BackupJobsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:backups:BackupJobs", name, {}, opts);
        if (args.configObjects.length === 0) throw new Error(`${name}: configObjects is empty: the config backup would archive nothing`);
        const prefix = (kind: string) => `${args.stack}/${kind}`;
        const specs: Record<BackupJobName, JobSpec> = {
            db: {
                command: "db-dump",
                grants: [{ bucket: "backups", prefix: prefix("db"), access: "write-no-delete" }],
                usesDatabase: true,
                env: [],
            },
            models: {
                command: "models",
                grants: [
                    { bucket: "artifacts", prefix: "mlflow", access: "read" },
                    { bucket: "backups", prefix: prefix("models"), access: "write-no-delete" },
                ],
                usesDatabase: false,
                env: [
                    { name: "MODELS_BUCKET", value: args.artifactBucket },
                    { name: "MODELS_PREFIX", value: "mlflow" },
                ],
            },
            config: {
                command: "config",
                grants: [{ bucket: "backups", prefix: prefix("config"), access: "write-no-delete" }],
                usesDatabase: false,
                env: [{ name: "CONFIG_OBJECTS", value: args.configObjects.map((o) => `${o.namespace}/${o.kind}/${o.name}`).join(",") }],
            },
            verify: {
                command: "verify",
                grants: [{ bucket: "backups", prefix: prefix("db"), access: "read" }],
                usesDatabase: true,
                env: [],
            },
        };
        const cronJobs = {} as Record<BackupJobName, k8s.batch.v1.CronJob>;
        for (const job of backupJobNames) cronJobs[job] = this.job(name, job, specs[job], args);
        this.cronJobs = cronJobs;
        this.registerOutputs({});
    }

    private job(name: string, job: BackupJobName, spec: JobSpec, args: BackupJobsArgs): k8s.batch.v1.CronJob {
        const child = { parent: this };
        const jobName = `backup-${job}`;
        const labels = platformLabels("backup", jobName, args.stack);
        const selector = {
            "app.kubernetes.io/name": "backup",
            "app.kubernetes.io/instance": args.stack,
            "app.kubernetes.io/component": jobName,
        };
        const access = args.storage(`${name}-${job}`, args.namespace, jobName, spec.grants);
        const podLabels = { ...labels, ...access.podLabels, ...(spec.usesDatabase ? databaseClientLabel : {}) };
        const readsConfig = job === "config";

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-${job}`,
            {
                metadata: { name: jobName, namespace: args.namespace, labels, annotations: access.serviceAccountAnnotations },
                automountServiceAccountToken: readsConfig,
            },
            child,
        );
        if (readsConfig) this.configReader(name, jobName, labels, args);

        const env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[] = [
            { name: "BACKUP_BUCKET", value: args.backupBucket },
            { name: "BACKUP_PREFIX", value: args.stack },
            ...(args.backupKmsKeyArn ? [{ name: "BACKUP_KMS_KEY_ID", value: args.backupKmsKeyArn }] : []),
            { name: "PUSHGATEWAY_URL", value: args.pushgateway.url },
            ...(spec.usesDatabase ? [databaseUrlEnv(args.connectionSecretName)] : []),
            ...spec.env,
            ...access.env,
        ];
        const cronJob = new k8s.batch.v1.CronJob(
            `${name}-${job}`,
            {
                metadata: { name: jobName, namespace: args.namespace, labels },
                spec: {
                    schedule: args.schedules[job],
                    timeZone: "Etc/UTC",
                    concurrencyPolicy: "Forbid",
                    // A run missed by more than an hour (controller down) is skipped, not piled up.
                    startingDeadlineSeconds: 3600,
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        metadata: { labels },
                        spec: {
                            backoffLimit: 2,
                            // The staleness limits (schedule.ts) count on it: a run ends by then, retries included.
                            activeDeadlineSeconds: backupDeadlineSeconds[job],
                            ttlSecondsAfterFinished: 3 * 24 * 3600,
                            template: {
                                metadata: { labels: podLabels },
                                spec: runnerPodSpec({
                                    serviceAccountName: serviceAccount.metadata.name,
                                    automountToken: readsConfig,
                                    image: args.image,
                                    containers: [{ name: "backup", args: [spec.command], env }],
                                }),
                            },
                        },
                    },
                },
            },
            child,
        );
        trafficPolicy(
            jobName,
            {
                namespace: args.namespace,
                labels,
                podSelector: selector,
                ingress: [],
                egress: [
                    access.egress,
                    args.pushgateway.egress,
                    ...(spec.usesDatabase ? [args.databaseEgress] : []),
                    ...(readsConfig ? kubernetesApiEgress : []),
                ],
            },
            child,
        );
        return cronJob;
    }

    /** `get` on exactly the configured objects, per namespace: no list, no other Secret. */
    private configReader(name: string, serviceAccount: string, labels: Record<string, string>, args: BackupJobsArgs): void {
        const namespaces = [...new Set(args.configObjects.map((o) => o.namespace))];
        for (const namespace of namespaces) {
            const objects = args.configObjects.filter((o) => o.namespace === namespace);
            const rules = (["secrets", "configmaps"] as const)
                .map((kind) => ({ kind, names: objects.filter((o) => o.kind === kind).map((o) => o.name) }))
                .filter((r) => r.names.length > 0)
                .map((r) => ({ apiGroups: [""], resources: [r.kind], verbs: ["get"], resourceNames: r.names }));
            const metadata = { name: "backup-config-reader", namespace, labels };
            const role = new k8s.rbac.v1.Role(`${name}-config-reader-${namespace}`, { metadata, rules }, { parent: this });
            new k8s.rbac.v1.RoleBinding(
                `${name}-config-reader-${namespace}`,
                {
                    metadata,
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace: args.namespace }],
                },
                { parent: this },
            );
        }
    }
}
