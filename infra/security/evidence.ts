// The evidence bucket of the manual's Security Incident Escalation ("evidence preservation"):
// Object Lock in COMPLIANCE mode for the retention the security team sets (no one, not even the
// account's root user, can delete a locked version or shorten its retention:
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-modes),
// its own KMS key, TLS only. Responders write and never delete; writes must be conditional
// (If-None-Match), so a key once written is never overwritten
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes-enforce.html); auditors read.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket, type PolicyStatementFactory } from "../platform/bucket";

/** What no one may do to evidence: delete it (a delete marker hides it) or loosen its lock. */
export const evidenceDeniedActions = [
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:BypassGovernanceRetention",
    "s3:PutLifecycleConfiguration",
];
export const responderActions = ["s3:PutObject", "s3:GetObject", "s3:ListBucket"];
export const auditorActions = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:ListBucket", "s3:ListBucketVersions"];

/** The bucket policy's statements besides the TLS-only one every SecureBucket has. */
export function evidencePolicyStatements(access: { responders: string[]; auditors: string[] }): PolicyStatementFactory[] {
    const objects = (bucketArn: pulumi.Output<string>) => pulumi.interpolate`${bucketArn}/*`;
    const grant = (sid: string, principals: string[], actions: string[]): PolicyStatementFactory[] =>
        principals.length === 0
            ? []
            : [
                  (bucketArn) => ({
                      Sid: sid,
                      Effect: "Allow",
                      Principal: { AWS: principals },
                      Action: actions,
                      Resource: [bucketArn, objects(bucketArn)],
                  }),
              ];
    return [
        (bucketArn) => ({
            Sid: "DenyEvidenceDeletion",
            Effect: "Deny",
            Principal: "*",
            Action: evidenceDeniedActions,
            Resource: [bucketArn, objects(bucketArn)],
        }),
        // A PutObject without If-None-Match could write a new version over an existing key.
        (bucketArn) => ({
            Sid: "DenyOverwrite",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: objects(bucketArn),
            Condition: { Null: { "s3:if-none-match": "true" } },
        }),
        ...grant("RespondersWrite", access.responders, responderActions),
        ...grant("AuditorsRead", access.auditors, auditorActions),
    ];
}

export interface EvidenceBucketArgs {
    retentionDays: number;
    responders: string[];
    auditors: string[];
    tags: Record<string, string>;
    protect: boolean;
}

export class EvidenceBucket extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: EvidenceBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:security:EvidenceBucket", name, {}, opts);
        const keyUsers = (sid: string, principals: string[], actions: string[]) =>
            principals.length === 0
                ? []
                : [
                      () =>
                          ({
                              Sid: sid,
                              Effect: "Allow",
                              Principal: { AWS: principals },
                              Action: actions,
                              Resource: "*",
                          }) as pulumi.Input<aws.iam.PolicyStatement>,
                  ];
        const bucket = new SecureBucket(
            name,
            {
                purpose: "evidence",
                tags: args.tags,
                objectLock: { mode: "COMPLIANCE", days: args.retentionDays },
                extraPolicyStatements: evidencePolicyStatements(args),
                // SSE-KMS: writing needs GenerateDataKey, reading Decrypt, on the bucket's own key.
                keyPolicyStatements: [
                    ...keyUsers("RespondersEncrypt", args.responders, ["kms:GenerateDataKey", "kms:Decrypt"]),
                    ...keyUsers("AuditorsDecrypt", args.auditors, ["kms:Decrypt"]),
                ],
                protect: args.protect,
            },
            { parent: this },
        );
        if (args.responders.length === 0)
            pulumi.log.warn(`${name}: no security.evidence.responders: nobody can preserve evidence until one is named`, this);
        this.bucket = bucket.bucket;
        this.kmsKeyArn = bucket.kmsKeyArn;
        this.registerOutputs({ bucket: this.bucket });
    }
}
