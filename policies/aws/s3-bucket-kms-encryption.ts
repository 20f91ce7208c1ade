import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, computed, describeBucket } from "../lib/s3";
import { securityHub } from "../lib/sources";

const kmsAlgorithms = ["aws:kms", "aws:kms:dsse"];

interface DefaultEncryption {
    sseAlgorithm?: string;
    kmsMasterKeyId?: string;
}

export const s3BucketKmsEncryption = stackPolicy<{ requireCustomerManagedKey: boolean }>(
    {
        name: "s3-bucket-kms-encryption",
        description: "S3 buckets encrypt by default with SSE-KMS, under a customer-managed KMS key.",
        severity: "high",
        framework: securityHub("S3.17", "S3 general purpose buckets should be encrypted at rest with AWS KMS keys"),
        remediationSteps:
            "Add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and kmsMasterKeyId set to the bucket's key.",
    },
    {
        requireCustomerManagedKey: {
            type: "boolean",
            default: true,
            description: "Require kmsMasterKeyId (a key the platform controls) rather than the AWS-managed aws/s3 key.",
        },
    },
    (args, report, config) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            const inline = computed(bucket, "serverSideEncryptionConfiguration");
            const defaults: DefaultEncryption[] = [
                ...of("encryption").flatMap((e) =>
                    ((e.props.rules ?? []) as { applyServerSideEncryptionByDefault?: DefaultEncryption }[]).map(
                        (r) => r.applyServerSideEncryptionByDefault ?? {},
                    ),
                ),
                ...(inline ? [inline.rule?.applyServerSideEncryptionByDefault ?? {}] : []),
            ];
            const kms = defaults.filter((d) => kmsAlgorithms.includes(d.sseAlgorithm ?? ""));
            if (kms.length === 0) {
                const found = defaults.map((d) => d.sseAlgorithm).filter(Boolean);
                report(
                    `${describeBucket(bucket)} has no SSE-KMS default encryption${found.length ? ` (found ${found.join(", ")})` : ""}`,
                    bucket.urn,
                );
            } else if (
                config.requireCustomerManagedKey &&
                !kms.some((d) => d.kmsMasterKeyId && !/alias\/aws\/s3$/.test(d.kmsMasterKeyId))
            ) {
                report(
                    `${describeBucket(bucket)} encrypts with the AWS-managed key: set kmsMasterKeyId to a customer-managed key`,
                    bucket.urn,
                );
            }
        }
    },
);
