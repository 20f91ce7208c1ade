// The incident evidence bucket (infra/security/evidence.ts): what it holds must outlive the
// incident unchanged. Object Lock COMPLIANCE (no principal, root included, deletes a locked version
// or shortens its retention: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html),
// a bucket policy denying everyone deletion, and writes that cannot replace an existing key.
import { stackPolicy } from "../lib/definitions";
import { list, statementsOf, wildcardMatches } from "../lib/iam";
import { bucketsWithSettings, computed, describeBucket, matchesAny } from "../lib/s3";
import { manual } from "../lib/sources";

export const stackEvidenceBucket = stackPolicy<{ required: boolean; evidenceBuckets: string[]; minRetentionDays: number }>(
    {
        name: "stack-evidence-bucket",
        description:
            "An AWS stack has an evidence bucket with Object Lock in COMPLIANCE mode, a bucket policy denying every principal deletion, and no overwrite (If-None-Match required).",
        severity: "high",
        framework: manual("Security Incident Escalation: evidence preservation"),
        remediationSteps:
            "Deploy infra/security (EvidenceBucket) in the stack; set security.evidence.retentionDays as the security team decides.",
    },
    {
        required: { type: "boolean", default: true, description: "The stack must have an evidence bucket (off for a laptop stack)." },
        evidenceBuckets: {
            type: "array",
            items: { type: "string" },
            default: ["security-evidence"],
            description: "Evidence buckets, by resource name, type::name or URN.",
        },
        minRetentionDays: { type: "integer", minimum: 1, default: 7, description: "Shortest COMPLIANCE retention accepted." },
    },
    (args, report, config) => {
        if (!config.required) return args.notApplicable("an evidence bucket is not required in this stack");
        const buckets = bucketsWithSettings(args.resources).filter(({ bucket }) => matchesAny(config.evidenceBuckets, bucket));
        if (buckets.length === 0)
            report(`no evidence bucket (${config.evidenceBuckets.join(", ")}): incident evidence has nowhere safe to go`);
        for (const { bucket, of } of buckets) {
            const name = describeBucket(bucket);
            if (computed(bucket, "objectLockEnabled") !== true) report(`${name} holds evidence but Object Lock is not enabled`, bucket.urn);
            const compliance = of("objectLock")
                .map((l) => l.props.rule?.defaultRetention)
                .filter((r) => r?.mode === "COMPLIANCE")
                .map((r) => r.days ?? (r.years ?? 0) * 365);
            if (compliance.length === 0)
                report(`${name} has no COMPLIANCE default retention: evidence could be deleted by a privileged user`, bucket.urn);
            else if (Math.max(...compliance) < config.minRetentionDays)
                report(`${name} locks evidence ${Math.max(...compliance)} days; at least ${config.minRetentionDays} required`, bucket.urn);
            const statements = of("policy").flatMap((p) => statementsOf(p.props.policy));
            const deniedToAll = (action: string) =>
                statements.some(
                    (s) =>
                        s.Effect === "Deny" &&
                        s.Principal === "*" &&
                        !s.Condition &&
                        list(s.Action).some((a) => wildcardMatches(a, action)),
                );
            for (const action of ["s3:DeleteObject", "s3:DeleteObjectVersion"]) {
                if (!deniedToAll(action)) report(`${name}'s policy does not deny ${action} to every principal`, bucket.urn);
            }
            const noOverwrite = statements.some(
                (s) =>
                    s.Effect === "Deny" &&
                    s.Principal === "*" &&
                    list(s.Action).some((a) => wildcardMatches(a, "s3:PutObject")) &&
                    s.Condition?.Null?.["s3:if-none-match"] === "true",
            );
            if (!noOverwrite)
                report(`${name}'s policy admits a PutObject without If-None-Match: an existing key could get a new version`, bucket.urn);
        }
    },
);
