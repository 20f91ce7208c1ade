import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, computed, describeBucket } from "../lib/s3";
import { securityHub } from "../lib/sources";

const blocks = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
const publicAcls = ["public-read", "public-read-write", "authenticated-read"];

export const s3BucketPublicAccessBlock = stackPolicy(
    {
        name: "s3-bucket-public-access-block",
        description: "S3 buckets turn on all four public-access blocks and grant no public canned ACL.",
        severity: "critical",
        framework: securityHub("S3.8", "S3 general purpose buckets should block public access"),
        remediationSteps:
            "Add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true; remove public ACLs.",
    },
    {},
    (args, report) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            const settings = of("publicAccessBlock");
            const missing = blocks.filter((b) => !settings.some((s) => s.props[b] === true));
            if (missing.length > 0) report(`${describeBucket(bucket)} does not set ${missing.join(", ")}`, bucket.urn);
            const acls = [computed(bucket, "acl"), ...of("acl").map((a) => a.props.acl)].filter((acl) => publicAcls.includes(acl));
            if (acls.length > 0) report(`${describeBucket(bucket)} grants the public ACL ${acls.join(", ")}`, bucket.urn);
        }
    },
);
