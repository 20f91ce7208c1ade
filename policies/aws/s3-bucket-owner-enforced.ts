import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, describeBucket } from "../lib/s3";
import { securityHub } from "../lib/sources";

export const s3BucketOwnerEnforced = stackPolicy(
    {
        name: "s3-bucket-owner-enforced",
        description: "S3 buckets enforce bucket-owner object ownership (BucketOwnerEnforced): ACLs are disabled.",
        severity: "medium",
        framework: securityHub("S3.12", "ACLs should not be used to manage user access to S3 general purpose buckets"),
        remediationSteps: 'Add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced".',
    },
    {},
    (args, report) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            if (!of("ownership").some((o) => o.props.rule?.objectOwnership === "BucketOwnerEnforced")) {
                report(`${describeBucket(bucket)} does not enforce BucketOwnerEnforced ownership`, bucket.urn);
            }
        }
    },
);
