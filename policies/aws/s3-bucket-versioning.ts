import { stackPolicy } from "../lib/definitions";
import { bucketsWithSettings, computed, describeBucket } from "../lib/s3";
import { securityHub } from "../lib/sources";

export const s3BucketVersioning = stackPolicy(
    {
        name: "s3-bucket-versioning",
        description: "S3 buckets have versioning enabled.",
        severity: "medium",
        framework: securityHub("S3.14", "S3 general purpose buckets should have versioning enabled"),
        remediationSteps: 'Add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".',
    },
    {},
    (args, report) => {
        for (const { bucket, of } of bucketsWithSettings(args.resources)) {
            const enabled =
                of("versioning").some((v) => v.props.versioningConfiguration?.status === "Enabled") ||
                computed(bucket, "versioning")?.enabled === true;
            if (!enabled) report(`${describeBucket(bucket)} does not have versioning enabled`, bucket.urn);
        }
    },
);
