import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, computed, describeBucket, matchesAny } from "../lib/s3";
import { securityHub } from "../lib/sources";

/** aws.s3.BucketLifecycleConfiguration rules: the fields read here. */
type LifecycleRule = { status?: string; abortIncompleteMultipartUpload?: { daysAfterInitiation?: number } };

export const backupBucketsSchema = {
    type: "array" as const,
    items: { type: "string" as const },
    default: ["backups", "backups-replica"],
    description: "Buckets holding backups (the backup bucket and its cross-region replica), by resource name, type::name or URN.",
};

export const s3BackupBucketLifecycle = stackPolicy<{ backupBuckets: string[]; maxAbortDays: number }>(
    {
        name: "s3-backup-bucket-lifecycle",
        description: "Backup buckets have enabled lifecycle rules, including one that aborts incomplete multipart uploads.",
        severity: "medium",
        framework: securityHub("S3.13", "S3 general purpose buckets should have Lifecycle configurations"),
        remediationSteps:
            "Add an aws.s3.BucketLifecycleConfiguration with an Enabled rule setting abortIncompleteMultipartUpload.daysAfterInitiation.",
    },
    {
        backupBuckets: backupBucketsSchema,
        maxAbortDays: { type: "integer", minimum: 1, default: 7, description: "Most days an incomplete multipart upload may linger." },
    },
    (args, report, config) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            if (!matchesAny(config.backupBuckets, bucket)) continue;
            const rules: { enabled: boolean; abortDays?: number }[] = [
                ...of("lifecycle").flatMap((l) =>
                    ((l.props.rules ?? []) as LifecycleRule[]).map((r) => ({
                        enabled: r.status === "Enabled",
                        abortDays: r.abortIncompleteMultipartUpload?.daysAfterInitiation,
                    })),
                ),
                ...(computed(bucket, "lifecycleRules") ?? []).map((r) => ({
                    enabled: r.enabled === true,
                    abortDays: r.abortIncompleteMultipartUploadDays,
                })),
            ];
            const enabled = rules.filter((r) => r.enabled);
            if (enabled.length === 0) report(`${describeBucket(bucket)} holds backups but has no enabled lifecycle rule`, bucket.urn);
            else if (!enabled.some((r) => r.abortDays !== undefined && r.abortDays <= config.maxAbortDays)) {
                report(
                    `${describeBucket(bucket)} has no lifecycle rule aborting incomplete multipart uploads within ${config.maxAbortDays} days`,
                    bucket.urn,
                );
            }
        }
    },
);
