import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ClusterConfig } from "../platform/cluster";
import type { ObjectStoreConfig } from "./config";
import { SecureBucket, type PolicyStatementFactory } from "../platform/bucket";
import { ServiceAccountRole } from "../platform/irsa";
import { platformLabels, selectorLabels } from "../platform/labels";
import { awsApis, trafficPolicy, type PortRule } from "../platform/network";
import { defaultUid, restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "../platform/security";
import { healthProbes, singleInstanceStore } from "../platform/workload";

export type BucketName = "artifacts" | "backups";

/** What one workload may do in one bucket, optionally below one prefix. */
export interface BucketGrant {
    bucket: BucketName;
    prefix?: string;
    /** `write-no-delete` lets backup jobs add objects but never remove history. */
    access: "read" | "read-write" | "write-no-delete";
}

/** Everything a pod needs to reach the object store, whichever store it is. */
export interface StorageAccess {
    serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
    env: pulumi.Input<k8s.types.input.core.v1.EnvVar>[];
    egress: PortRule;
    /** Pod labels the store's NetworkPolicy admits (in-cluster store only). */
    podLabels: Record<string, string>;
}

export interface ObjectStorageArgs {
    config: ObjectStoreConfig;
    stack: string;
    namespace: pulumi.Input<string>;
    tags: Record<string, string>;
    /** AWS stacks: the cluster whose service accounts get IRSA roles. */
    cluster?: ClusterConfig;
    region?: string;
    /** In-cluster store: the root secret key; generated when unset. */
    secretKey?: pulumi.Input<string>;
    /** Extra policy statements for the backup bucket (e.g. deny unencrypted uploads). */
    backupBucketStatements?: PolicyStatementFactory[];
    backupObjectLock?: { mode: "GOVERNANCE"; days: number };
    protect: boolean;
    /** Buckets are deleted with their objects on `pulumi destroy` (DR drill stacks). */
    forceDestroy?: boolean;
}

export const credentialsSecret = "object-store-credentials";
/** MinIO's client, pinned like every image of the platform. */
export const mcImage = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";
const inClusterBuckets: Record<BucketName, string> = { artifacts: "mlflow-artifacts", backups: "backups" };
/** Loki's chunks and index in the in-cluster store (infra/logging); Loki has its own credentials copy. */
export const inClusterLogBucket = "loki-logs";
const rootUser = "platform-admin";
export const objectStorePort = 9000;
const objectStoreClient = { "pneumonia.io/object-store-client": "true" } as const;

/**
 * Where the platform keeps objects: MLflow artifacts and backups. In AWS stacks these are S3
 * buckets reached through IRSA; in `local` an in-cluster MinIO with the same two buckets, so a
 * laptop needs no AWS account. Consumers ask `accessFor` and never look at which one it is.
 */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly artifactBucket: pulumi.Output<string>;
    public readonly backupBucket: pulumi.Output<string>;
    /** S3 endpoint URL for S3-compatible stores; undefined for AWS S3. */
    public readonly endpoint?: pulumi.Output<string>;
    /** AWS stacks: the backup bucket (BackupBucket adds lifecycle, logging and replication to it). */
    public readonly backupSecureBucket?: SecureBucket;
    /** AWS stacks: the backup bucket's key, which uploads must name (its policy requires SSE-KMS). */
    public readonly backupKmsKeyArn?: pulumi.Output<string>;
    /** Resources that must exist before any workload uses the store. */
    public readonly ready: pulumi.Resource[];
    /** In-cluster store: its root credentials, for a client outside its namespace (Loki). */
    public inClusterCredentials?: { accessKeyId: string; secretAccessKey: pulumi.Output<string> };
    private readonly s3?: { artifacts: SecureBucket; backups: SecureBucket };
    private readonly args: ObjectStorageArgs;

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:storage:ObjectStorage", name, {}, opts);
        this.args = args;
        if (args.config.kind === "s3") {
            if (!args.cluster || !args.region) throw new Error(`${name}: the s3 object store needs the cluster and the AWS region`);
            const artifacts = new SecureBucket(
                "artifacts",
                { purpose: "mlflow-artifacts", tags: args.tags, protect: args.protect, forceDestroy: args.forceDestroy },
                { parent: this },
            );
            const backups = new SecureBucket(
                "backups",
                {
                    purpose: "backups",
                    tags: args.tags,
                    extraPolicyStatements: args.backupBucketStatements,
                    objectLock: args.backupObjectLock,
                    protect: args.protect,
                    forceDestroy: args.forceDestroy,
                },
                { parent: this },
            );
            this.s3 = { artifacts, backups };
            this.backupSecureBucket = backups;
            this.backupKmsKeyArn = backups.kmsKeyArn;
            this.artifactBucket = artifacts.bucket;
            this.backupBucket = backups.bucket;
            this.ready = [...artifacts.ready, ...backups.ready];
        } else {
            const store = this.inClusterStore(name, args);
            this.endpoint = pulumi.interpolate`http://object-store.${args.namespace}.svc.cluster.local:${objectStorePort}`;
            this.artifactBucket = pulumi.output(inClusterBuckets.artifacts);
            this.backupBucket = pulumi.output(inClusterBuckets.backups);
            this.ready = store;
        }
        this.registerOutputs({
            artifactBucket: this.artifactBucket,
            backupBucket: this.backupBucket,
            backupKmsKeyArn: this.backupKmsKeyArn,
            endpoint: this.endpoint,
        });
    }

    /**
     * Access for one service account: an IRSA role with exactly `grants` (plus `extraStatements`, e.g.
     * on another stack's bucket) in AWS, credentials in-cluster.
     */
    public accessFor(
        name: string,
        namespace: string,
        serviceAccount: string,
        grants: BucketGrant[],
        extraStatements: pulumi.Input<aws.iam.PolicyStatement>[] = [],
    ): StorageAccess {
        if (!this.s3) {
            const fromSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: credentialsSecret, key } } });
            return {
                serviceAccountAnnotations: {},
                env: [
                    { name: "AWS_ENDPOINT_URL_S3", value: this.endpoint! },
                    { name: "AWS_REGION", value: "us-east-1" },
                    fromSecret("AWS_ACCESS_KEY_ID"),
                    fromSecret("AWS_SECRET_ACCESS_KEY"),
                ],
                egress: { port: objectStorePort, peers: [{ pods: selectorLabels("object-store", this.args.stack) }] },
                podLabels: objectStoreClient,
            };
        }
        const statements = [...grants.flatMap((grant) => bucketStatements(this.s3![grant.bucket], grant)), ...extraStatements];
        const role = new ServiceAccountRole(
            name,
            { cluster: this.args.cluster!, namespace, serviceAccount, statements, tags: this.args.tags },
            { parent: this },
        );
        return {
            serviceAccountAnnotations: role.annotations,
            env: [{ name: "AWS_REGION", value: this.args.region! }],
            egress: awsApis,
            podLabels: {},
        };
    }

    private inClusterStore(name: string, args: ObjectStorageArgs): pulumi.Resource[] {
        const labels = platformLabels("object-store", "object-storage", args.stack);
        const metadata = { name: "object-store", namespace: args.namespace, labels };
        const child = { parent: this };
        const secretKey = args.secretKey ?? new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, child).result;
        const credentials = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { ...metadata, name: credentialsSecret },
                type: "Opaque",
                stringData: { AWS_ACCESS_KEY_ID: rootUser, AWS_SECRET_ACCESS_KEY: secretKey },
            },
            child,
        );
        this.inClusterCredentials = { accessKeyId: rootUser, secretAccessKey: pulumi.secret(secretKey) };
        const fromCredentials = (envName: string, key: string) => ({
            name: envName,
            valueFrom: { secretKeyRef: { name: credentials.metadata.name, key } },
        });
        const { statefulSet: server, service } = singleInstanceStore(
            name,
            {
                appName: "object-store",
                component: "object-storage",
                stack: args.stack,
                namespace: args.namespace,
                image: args.config.image,
                port: { name: "s3", number: objectStorePort },
                uid: defaultUid,
                resources: args.config.resources,
                storageSize: args.config.storageSize,
                dataPath: "/data",
                scratch: { tmp: "/tmp" },
                container: {
                    args: ["server", "/data", "--address", `:${objectStorePort}`],
                    env: [
                        fromCredentials("MINIO_ROOT_USER", "AWS_ACCESS_KEY_ID"),
                        fromCredentials("MINIO_ROOT_PASSWORD", "AWS_SECRET_ACCESS_KEY"),
                        { name: "HOME", value: "/tmp" },
                    ],
                    readinessProbe: healthProbes({ httpGet: { path: "/minio/health/ready", port: "s3" } }, 60).readinessProbe,
                    livenessProbe: healthProbes({ httpGet: { path: "/minio/health/live", port: "s3" } }, 60).livenessProbe,
                },
                clients: [{ pods: objectStoreClient }],
                dependsOn: [credentials],
            },
            this,
        );
        const scratch = scratchVolumes({ tmp: "/tmp" });
        // MinIO starts empty: a one-shot Job creates the platform's buckets, idempotently.
        const jobLabels = { ...platformLabels("object-store-setup", "object-storage", args.stack), ...objectStoreClient };
        const buckets = [...Object.values(inClusterBuckets), inClusterLogBucket]
            .map((bucket) => `mc mb --ignore-existing store/${bucket}`)
            .join(" && ");
        // The Job's own way to the store through the namespace's default deny (the store admits object-store clients).
        const setupEgress = trafficPolicy(
            "object-store-buckets",
            {
                namespace: args.namespace,
                labels: platformLabels("object-store-setup", "object-storage", args.stack),
                podSelector: selectorLabels("object-store-setup", args.stack),
                egress: [{ port: objectStorePort, peers: [{ pods: selectorLabels("object-store", args.stack) }] }],
            },
            child,
        );
        const setup = new k8s.batch.v1.Job(
            `${name}-buckets`,
            {
                metadata: { name: "object-store-buckets", namespace: args.namespace, labels: jobLabels },
                spec: {
                    backoffLimit: 6,
                    activeDeadlineSeconds: 600,
                    ttlSecondsAfterFinished: 3600,
                    template: {
                        metadata: { labels: jobLabels },
                        spec: {
                            restartPolicy: "OnFailure",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            containers: [
                                {
                                    name: "mc",
                                    image: mcImage,
                                    command: ["/bin/sh", "-c"],
                                    args: [
                                        `mc alias set store http://object-store:${objectStorePort} "$ACCESS_KEY" "$SECRET_KEY" && ${buckets}`,
                                    ],
                                    env: [
                                        fromCredentials("ACCESS_KEY", "AWS_ACCESS_KEY_ID"),
                                        fromCredentials("SECRET_KEY", "AWS_SECRET_ACCESS_KEY"),
                                        { name: "MC_CONFIG_DIR", value: "/tmp/mc" },
                                    ],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    securityContext: restrictedContainerSecurityContext(),
                                    volumeMounts: scratch.volumeMounts,
                                },
                            ],
                            volumes: scratch.volumes,
                        },
                    },
                },
            },
            { ...child, dependsOn: [server, service, setupEgress] },
        );
        return [credentials, server, service, setupEgress, setup];
    }
}

function bucketStatements(bucket: SecureBucket, grant: BucketGrant): pulumi.Input<aws.iam.PolicyStatement>[] {
    const prefix = grant.prefix ? `${grant.prefix.replace(/\/$/, "")}/` : "";
    const objects = pulumi.interpolate`${bucket.arn}/${prefix}*`;
    const objectActions = {
        read: ["s3:GetObject", "s3:GetObjectVersion"],
        "write-no-delete": [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        ],
        "read-write": [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        ],
    }[grant.access];
    const keyActions = grant.access === "read" ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:GenerateDataKey"];
    return [
        {
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: [bucket.arn],
            ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } } : {}),
        },
        { Effect: "Allow", Action: objectActions, Resource: [objects] },
        { Effect: "Allow", Action: keyActions, Resource: [bucket.kmsKeyArn] },
    ];
}
