import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, computed, describeBucket, matchesAny } from "../lib/s3";
import { securityHub } from "../lib/sources";
import { backupBucketsSchema } from "./s3-backup-bucket-lifecycle";

interface Retention {
    mode?: string;
    days?: number;
    years?: number;
}

export const s3BackupBucketObjectLock = stackPolicy<{ required: boolean; backupBuckets: string[]; minRetentionDays: number }>(
    {
        name: "s3-backup-bucket-object-lock",
        description:
            "Backup buckets have Object Lock with a default retention (production), so no backup can be deleted or overwritten early.",
        severity: "high",
        framework: securityHub("S3.15", "S3 general purpose buckets should have Object Lock enabled"),
        remediationSteps:
            "Create the backup bucket with objectLockEnabled: true and add an aws.s3.BucketObjectLockConfiguration with a GOVERNANCE or COMPLIANCE default retention.",
    },
    {
        required: { type: "boolean", default: true, description: "Require Object Lock on backup buckets (production)." },
        backupBuckets: backupBucketsSchema,
        minRetentionDays: { type: "integer", minimum: 1, default: 7, description: "Shortest default retention accepted." },
    },
    (args, report, config) => {
        if (!config.required) return args.notApplicable("Object Lock is not required in this stack");
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            if (!matchesAny(config.backupBuckets, bucket)) continue;
            const inline = computed(bucket, "objectLockConfiguration");
            const enabled = computed(bucket, "objectLockEnabled") === true || inline?.objectLockEnabled === "Enabled";
            if (!enabled) {
                report(`${describeBucket(bucket)} holds backups but Object Lock is not enabled`, bucket.urn);
                continue;
            }
            const retentions: Retention[] = [
                ...of("objectLock").map((l) => l.props.rule?.defaultRetention),
                inline?.rule?.defaultRetention,
            ].filter(Boolean);
            const days = retentions
                .filter((r) => r.mode === "GOVERNANCE" || r.mode === "COMPLIANCE")
                .map((r) => r.days ?? (r.years ?? 0) * 365);
            if (days.length === 0) report(`${describeBucket(bucket)} has Object Lock but no default retention`, bucket.urn);
            else if (Math.max(...days) < config.minRetentionDays) {
                report(
                    `${describeBucket(bucket)} keeps backups locked ${Math.max(...days)} days; at least ${config.minRetentionDays} required`,
                    bucket.urn,
                );
            }
        }
    },
);
