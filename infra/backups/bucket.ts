// What makes the backup bucket a backup bucket, on top of the SecureBucket every bucket gets:
// lifecycle per prefix, access logs, and in production a replica in a second region.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logBucketSettings, SecureBucket, type PolicyStatementFactory } from "../platform/bucket";
import { serviceTrustPolicy } from "../platform/service-trust";
import type { BackupsConfig } from "./config";

/** The backup kinds, each under `<stack>/<kind>/` (BACKUP_PREFIX is the stack name): one lifecycle rule each. */
const bucketPrefixes = ["db", "models", "config"] as const;

/** The bucket as SecureBucket exposes it (ObjectStorage creates it; this component adds to it). */
export interface BucketRef {
    bucket: pulumi.Input<string>;
    arn: pulumi.Input<string>;
    kmsKeyArn: pulumi.Input<string>;
    /** Versioning and the rest: replication needs versioning first. */
    ready?: pulumi.Resource[];
}

/**
 * Bucket policy statements for the backup bucket. Encryption itself is the bucket default (SSE-KMS
 * with the bucket's key and the bucket key on), which S3 applies to every request that names
 * none. The denies only refuse an upload that asks for something else: each applies when its
 * header is present (Null false) AND names another algorithm or key. A deny on a missing header
 * would refuse UploadPart and CompleteMultipartUpload, which S3 authorises as s3:PutObject but
 * which carry no encryption header, so every dump larger than one part.
 */
export const backupBucketStatements: PolicyStatementFactory[] = [
    (arn) => ({
        Sid: "DenyUploadsAskingForAnotherEncryption",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${arn}/*`,
        Condition: {
            Null: { "s3:x-amz-server-side-encryption": "false" },
            StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        },
    }),
    (arn, kmsKeyArn) => ({
        Sid: "DenyUploadsNamingAnotherKey",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: pulumi.interpolate`${arn}/*`,
        Condition: {
            Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn },
        },
    }),
];

/** The ObjectStorage arguments that shape the backup bucket at creation (Object Lock cannot be added later). */
export function backupBucketProtection(config: BackupsConfig): {
    backupBucketStatements: PolicyStatementFactory[];
    backupObjectLock?: { mode: "GOVERNANCE"; days: number };
} {
    return {
        backupBucketStatements,
        ...(config.objectLockDays > 0 ? { backupObjectLock: { mode: "GOVERNANCE" as const, days: config.objectLockDays } } : {}),
    };
}

/** Lifecycle rules of one prefix: colder storage as backups age, then expiry at the retention. */
export function lifecycleRules(config: BackupsConfig, stack: string): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const perKind = bucketPrefixes.map((kind) => ({
        id: `${kind}-tiering-and-expiry`,
        status: "Enabled",
        filter: { prefix: `${stack}/${kind}/` },
        transitions: [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER" },
        ],
        expiration: { days: config.retentionDays },
        noncurrentVersionExpiration: { noncurrentDays: config.noncurrentDays },
    }));
    return [
        ...perKind,
        {
            // Whatever the prefix: a multipart upload the runner could not abort (killed pod) is dropped.
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            expiration: { expiredObjectDeleteMarker: true },
        },
    ];
}

export interface BackupBucketArgs {
    /** The backup bucket ObjectStorage created (SecureBucket, with backupBucketProtection applied). */
    bucket: BucketRef;
    config: BackupsConfig;
    stack: string;
    /** Region of the bucket; the replica must be elsewhere. */
    region: string;
    tags: Record<string, string>;
    protect: boolean;
    /** Delete its buckets with their objects on `pulumi destroy` (DR drill stacks). */
    forceDestroy?: boolean;
}

/**
 * Lifecycle per prefix (db, models, config), S3 access logs to a log bucket, and when
 * `config.replicaRegion` is set, replication of every backup to a bucket in that region with its
 * own KMS key and Object Lock. Deletes are not replicated: the replica survives a purge of the source.
 */
export class BackupBucket extends pulumi.ComponentResource {
    public readonly logBucket: pulumi.Output<string>;
    public readonly replicaBucket?: pulumi.Output<string>;
    public readonly replicaKmsKeyArn?: pulumi.Output<string>;

    constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:backups:BackupBucket", name, {}, opts);
        const { config } = args;
        if (config.replicaRegion !== undefined && config.replicaRegion === args.region) {
            throw new Error(`${name}: backups.replicaRegion must differ from the bucket's region ${args.region}`);
        }
        const child = { parent: this };
        const after = { ...child, dependsOn: args.bucket.ready ?? [] };

        new aws.s3.BucketLifecycleConfiguration(name, { bucket: args.bucket.bucket, rules: lifecycleRules(config, args.stack) }, after);

        const logs = this.logBucket_(name, args);
        new aws.s3.BucketLogging(
            name,
            { bucket: args.bucket.bucket, targetBucket: logs.bucket, targetPrefix: "backups/" },
            { ...child, dependsOn: logs.ready },
        );
        this.logBucket = logs.bucket;

        if (config.replicaRegion) {
            const replica = this.replica(name, args, config.replicaRegion);
            this.replicaBucket = replica.bucket;
            this.replicaKmsKeyArn = replica.kmsKeyArn;
        }
        this.registerOutputs({ logBucket: this.logBucket, replicaBucket: this.replicaBucket });
    }

    /** The bucket S3 delivers the backup bucket's server access logs to (logBucketSettings: SSE-S3, as S3 requires). */
    private logBucket_(name: string, args: BackupBucketArgs): { bucket: pulumi.Output<string>; ready: pulumi.Resource[] } {
        const logName = `${name}-access-logs`;
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(
            logName,
            { bucketPrefix: "backups-access-logs-", forceDestroy: args.forceDestroy ?? false, tags: args.tags },
            { ...child, protect: args.protect },
        );
        const ready = logBucketSettings(logName, bucket, this, {
            writers: [
                {
                    Sid: "S3ServerAccessLogsFromTheBackupBucket",
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: pulumi.interpolate`${bucket.arn}/backups/*`,
                    Condition: { ArnLike: { "aws:SourceArn": args.bucket.arn } },
                },
            ],
            expirationDays: args.config.accessLogDays,
        });
        return { bucket: bucket.bucket, ready };
    }

    private replica(name: string, args: BackupBucketArgs, region: string) {
        const child = { parent: this };
        const provider = new aws.Provider(`${name}-replica`, { region, defaultTags: { tags: args.tags } }, child);
        const replica = new SecureBucket(
            `${name}-replica`,
            {
                purpose: "backups-replica",
                tags: args.tags,
                // Replicated versions keep their retention only if the replica has Object Lock too.
                ...(args.config.objectLockDays > 0
                    ? { objectLock: { mode: "GOVERNANCE" as const, days: args.config.objectLockDays } }
                    : {}),
                protect: args.protect,
                forceDestroy: args.forceDestroy,
            },
            { ...child, provider },
        );
        // The replica ages and expires like the source: replication copies objects, not lifecycle rules.
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-replica`,
            { bucket: replica.bucket, rules: lifecycleRules(args.config, args.stack) },
            { ...child, provider, dependsOn: replica.ready },
        );
        const role = new aws.iam.Role(
            `${name}-replication`,
            {
                description: "S3 replication of the backup bucket to its replica region",
                // S3 assumes it for the source bucket only (aws:SourceArn is the bucket's ARN).
                assumeRolePolicy: serviceTrustPolicy("s3.amazonaws.com", () => args.bucket.arn, this),
                tags: args.tags,
            },
            child,
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${name}-replication`,
            {
                role: role.id,
                policy: replicationPolicy(args.bucket, { arn: replica.arn, kmsKeyArn: replica.kmsKeyArn }, args.region, region),
            },
            child,
        );
        new aws.s3.BucketReplicationConfig(
            name,
            {
                bucket: args.bucket.bucket,
                role: role.arn,
                rules: [
                    {
                        id: "all-backups-to-replica-region",
                        status: "Enabled",
                        priority: 1,
                        filter: { prefix: "" },
                        deleteMarkerReplication: { status: "Disabled" },
                        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
                        destination: {
                            bucket: replica.arn,
                            storageClass: "STANDARD_IA",
                            encryptionConfiguration: { replicaKmsKeyId: replica.kmsKeyArn },
                        },
                    },
                ],
            },
            // S3 rejects a replication configuration until versioning is on at both ends.
            { ...child, dependsOn: [...(args.bucket.ready ?? []), ...replica.ready, rolePolicy] },
        );
        return replica;
    }
}

/** The replication role's permissions, per the S3 guide on replicating SSE-KMS and Object Lock objects. */
export function replicationPolicy(
    source: BucketRef,
    destination: { arn: pulumi.Input<string>; kmsKeyArn: pulumi.Input<string> },
    sourceRegion: string,
    destinationRegion: string,
): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"], Resource: [source.arn] },
            {
                Effect: "Allow",
                Action: [
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                Resource: [pulumi.interpolate`${source.arn}/*`],
            },
            { Effect: "Allow", Action: ["s3:ReplicateObject", "s3:ReplicateTags"], Resource: [pulumi.interpolate`${destination.arn}/*`] },
            {
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [source.kmsKeyArn],
                Condition: { StringLike: { "kms:ViaService": `s3.${sourceRegion}.amazonaws.com` } },
            },
            {
                Effect: "Allow",
                Action: ["kms:Encrypt", "kms:GenerateDataKey"],
                Resource: [destination.kmsKeyArn],
                Condition: { StringLike: { "kms:ViaService": `s3.${destinationRegion}.amazonaws.com` } },
            },
        ],
    });
}
