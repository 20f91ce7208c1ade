// The restore a fresh stack (DR drill) runs before MLflow starts: a database dump into its new
// database, then a models archive into its new artifact store, each chosen by its own id (or latest).
import type * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { databaseClientLabel, platformLabels } from "../platform/labels";
import { trafficPolicy, type PortRule } from "../platform/network";
import type { StorageAccess } from "../object-store/component";
import { recoveryTimeObjectives } from "../observability/objectives";
import type { RestoreConfig } from "./config";
import { databaseUrlEnv, runnerPodSpec } from "./jobs";

export const restoreServiceAccount = "backup-restore";

/**
 * IAM statements for the restore role on the *source* stack's bucket: read its db and models
 * prefixes and decrypt with its key. Add them to the role ObjectStorage makes for the restore job.
 */
export function restoreSourceStatements(restore: RestoreConfig): aws.iam.PolicyStatement[] {
    const bucketArn = `arn:aws:s3:::${restore.bucket}`;
    const prefixes = ["db", "models"].map((kind) => `${restore.prefix}/${kind}/`);
    return [
        {
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: [bucketArn],
            Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
        },
        // RestoreObject: a dump the lifecycle moved to an archive class is readable only after a restore
        // request (src/backup/store.ts asks for one on InvalidObjectState).
        {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:GetObjectVersion", "s3:RestoreObject"],
            Resource: prefixes.map((p) => `${bucketArn}/${p}*`),
        },
        ...(restore.kmsKeyArn ? [{ Effect: "Allow" as const, Action: ["kms:Decrypt"], Resource: [restore.kmsKeyArn] }] : []),
    ];
}

export interface RestoreJobArgs {
    restore: RestoreConfig;
    stack: string;
    namespace: string;
    image: pulumi.Input<string>;
    /** S3 access of the `backup-restore` service account: source read (restoreSourceStatements), artifacts read-write. */
    storage: StorageAccess;
    artifactBucket: pulumi.Input<string>;
    /** The new stack's `database-connection` Secret: the restore target. */
    connectionSecretName: pulumi.Input<string>;
    databaseEgress: PortRule;
}

/**
 * A one-shot Job: `db-restore` (init container) then `models-restore`. Pulumi waits for a Job to
 * complete, so a Deployment that depends on this one starts on restored data, and a failed
 * restore fails `pulumi up` instead of starting MLflow empty.
 */
export class RestoreJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;

    constructor(name: string, args: RestoreJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:backups:RestoreJob", name, {}, opts);
        const child = { parent: this };
        const labels = platformLabels("backup", restoreServiceAccount, args.stack);
        const selector = {
            "app.kubernetes.io/name": "backup",
            "app.kubernetes.io/instance": args.stack,
            "app.kubernetes.io/component": restoreServiceAccount,
        };
        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            {
                metadata: {
                    name: restoreServiceAccount,
                    namespace: args.namespace,
                    labels,
                    annotations: args.storage.serviceAccountAnnotations,
                },
                automountServiceAccountToken: false,
            },
            child,
        );
        const source: k8s.types.input.core.v1.EnvVar[] = [
            { name: "BACKUP_BUCKET", value: args.restore.bucket },
            { name: "BACKUP_PREFIX", value: args.restore.prefix },
        ];
        this.job = new k8s.batch.v1.Job(
            name,
            {
                metadata: { name: restoreServiceAccount, namespace: args.namespace, labels },
                spec: {
                    backoffLimit: 1,
                    // The data RTO: a restore that cannot finish in 4 h has failed the drill anyway.
                    activeDeadlineSeconds: recoveryTimeObjectives.dataRecovery,
                    template: {
                        metadata: { labels: { ...labels, ...databaseClientLabel, ...args.storage.podLabels } },
                        spec: runnerPodSpec({
                            serviceAccountName: serviceAccount.metadata.name,
                            automountToken: false,
                            image: args.image,
                            initContainers: [
                                {
                                    name: "db-restore",
                                    args: ["db-restore", "--from", args.restore.from.db],
                                    env: [...source, databaseUrlEnv(args.connectionSecretName, "TARGET_DATABASE_URL"), ...args.storage.env],
                                },
                            ],
                            containers: [
                                {
                                    name: "models-restore",
                                    args: ["models-restore", "--from", args.restore.from.models],
                                    env: [
                                        ...source,
                                        { name: "MODELS_BUCKET", value: args.artifactBucket },
                                        { name: "MODELS_PREFIX", value: "mlflow" },
                                        ...args.storage.env,
                                    ],
                                },
                            ],
                        }),
                    },
                },
            },
            child,
        );
        trafficPolicy(
            restoreServiceAccount,
            { namespace: args.namespace, labels, podSelector: selector, ingress: [], egress: [args.storage.egress, args.databaseEgress] },
            child,
        );
        this.registerOutputs({});
    }
}
