import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountKeyPolicy } from "./kms";
import { stackScopedName } from "./names";

/** The statement every bucket policy of the platform starts with: no request over plain HTTP. */
export function denyInsecureTransport(bucketArn: pulumi.Output<string>) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/**
 * What every bucket of the platform has whatever its encryption: versioning, all four public-access
 * blocks and ownership enforced (no ACLs). Named after the bucket, as children of `parent`.
 */
export function bucketBaseline(name: string, bucketId: pulumi.Input<string>, parent: pulumi.Resource) {
    const child = { parent };
    return {
        versioning: new aws.s3.BucketVersioning(name, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }, child),
        publicAccess: new aws.s3.BucketPublicAccessBlock(
            name,
            { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        ),
        ownership: new aws.s3.BucketOwnershipControls(name, { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } }, child),
    };
}

/**
 * What makes a bucket a log bucket for an AWS delivery service (S3 server access logs, ALB access
 * logs): both deliver only to buckets with SSE-S3 (AES256) default encryption, so it cannot be a
 * SecureBucket (SSE-KMS). It gets the platform's baseline otherwise, a policy admitting only its
 * writers over TLS, and a lifecycle that expires its logs. Named after the bucket, children of
 * `parent`; returns what must exist before a service is pointed at the bucket.
 */
export function logBucketSettings(
    name: string,
    bucket: aws.s3.Bucket,
    parent: pulumi.Resource,
    args: { writers: pulumi.Input<aws.iam.PolicyStatement>[]; expirationDays: pulumi.Input<number> },
): pulumi.Resource[] {
    const child = { parent };
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        child,
    );
    // Versioned like every bucket of the platform: an overwritten or deleted log stays recoverable until it expires.
    const { versioning, publicAccess, ownership } = bucketBaseline(name, bucket.id, parent);
    const policy = new aws.s3.BucketPolicy(
        name,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [...args.writers, denyInsecureTransport(bucket.arn)] }),
        },
        { ...child, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
        name,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "expire-access-logs",
                    status: "Enabled",
                    filter: { prefix: "" },
                    expiration: { days: args.expirationDays },
                    noncurrentVersionExpiration: { noncurrentDays: 7 },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                },
            ],
        },
        { ...child, dependsOn: [versioning] },
    );
    return [encryption, publicAccess, ownership, versioning, policy];
}

/** One statement of an S3 bucket policy, given the bucket's ARN and its KMS key's ARN. */
export type PolicyStatementFactory = (
    bucketArn: pulumi.Output<string>,
    kmsKeyArn: pulumi.Output<string>,
) => pulumi.Input<aws.iam.PolicyStatement>;

export interface SecureBucketArgs {
    /** What the bucket holds, in the platform's words (mlflow-artifacts, backups). */
    purpose: string;
    tags: Record<string, string>;
    /** Statements added to the TLS-only policy, e.g. a deny of unencrypted uploads. */
    extraPolicyStatements?: PolicyStatementFactory[];
    /** Object Lock default retention; set only on buckets created with it (it cannot be added later). */
    objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
    /**
     * Statements added to the key's policy after the account's own administration of it (the
     * default key policy): a service that writes to the bucket (CloudTrail) or principals named
     * by the bucket policy must be allowed to use the key too.
     */
    keyPolicyStatements?: ((accountId: pulumi.Output<string>) => pulumi.Input<aws.iam.PolicyStatement>)[];
    /** Refuse to delete the bucket from Pulumi (production data). */
    protect?: boolean;
    /** Delete the bucket with its objects on `pulumi destroy` (DR drill stacks); off, S3 refuses to delete a non-empty bucket. */
    forceDestroy?: boolean;
}

/**
 * An S3 bucket with the settings no bucket of the platform goes without: its own KMS key with
 * rotation, versioning, all four public-access blocks, ownership enforced (no ACLs), SSE-KMS by
 * default and a policy that refuses plain HTTP.
 */
export class SecureBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly arn: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** Resources that must exist before the bucket is used (settings and policy). */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:storage:SecureBucket", name, {}, opts);
        if (args.objectLock && !(Number.isInteger(args.objectLock.days) && args.objectLock.days >= 1)) {
            throw new Error(`${name}: objectLock.days must be an integer >= 1, got ${args.objectLock.days}`);
        }
        const child = { parent: this };

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the ${args.purpose} bucket`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                ...(args.keyPolicyStatements
                    ? { policy: keyPolicyFor(args.keyPolicyStatements, aws.getCallerIdentityOutput({}, child).accountId) }
                    : {}),
                tags: args.tags,
            },
            child,
        );
        new aws.kms.Alias(
            `${name}-key`,
            { name: `alias/${stackScopedName(args.purpose, pulumi.getStack())}`, targetKeyId: key.keyId },
            child,
        );

        const bucket = new aws.s3.Bucket(
            name,
            {
                bucketPrefix: `${args.purpose}-`,
                objectLockEnabled: args.objectLock !== undefined,
                forceDestroy: args.forceDestroy ?? false,
                tags: args.tags,
            },
            // A non-empty bucket cannot be deleted unless forceDestroy; `protect` also stops Pulumi trying.
            { ...child, protect: args.protect ?? false },
        );

        const { versioning, publicAccess, ownership } = bucketBaseline(name, bucket.id, this);
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            child,
        );
        const policy = new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        denyInsecureTransport(bucket.arn),
                        ...(args.extraPolicyStatements ?? []).map((statement) => statement(bucket.arn, key.arn)),
                    ],
                }),
            },
            // S3 rejects a policy while the public-access block is being written.
            { ...child, dependsOn: [publicAccess] },
        );
        const lock = args.objectLock
            ? [
                  new aws.s3.BucketObjectLockConfiguration(
                      name,
                      {
                          bucket: bucket.id,
                          rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } },
                      },
                      { ...child, dependsOn: [versioning] },
                  ),
              ]
            : [];

        this.bucket = bucket.bucket;
        this.arn = bucket.arn;
        this.kmsKeyArn = key.arn;
        this.ready = [versioning, encryption, publicAccess, ownership, policy, ...lock];
        this.registerOutputs({ bucket: this.bucket, arn: this.arn, kmsKeyArn: this.kmsKeyArn });
    }
}

/** The key policy of a bucket whose writers need the key's own permission (SecureBucketArgs.keyPolicyStatements). */
function keyPolicyFor(statements: NonNullable<SecureBucketArgs["keyPolicyStatements"]>, accountId: pulumi.Output<string>) {
    return accountKeyPolicy(
        accountId,
        statements.map((statement) => statement(accountId)),
    );
}
