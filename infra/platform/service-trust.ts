// The trust policy of a role that an AWS service assumes on the platform's behalf (S3 replication,
// Data Lifecycle Manager): only that service, and only for this account's resources, so no other
// account's bucket or lifecycle policy can make the service act with this role (the "confused
// deputy"): https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html. The keys are
// aws:SourceAccount and aws:SourceArn (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn);
// when both are used the account in the ARN must be the same account.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * `sourceArn(account, region)` names the resources the service acts for (the source bucket, the
 * account's DLM policies); account and region are the provider's of `parent`.
 */
export function serviceTrustPolicy(
    service: string,
    sourceArn: (account: string, region: string) => pulumi.Input<string>,
    parent: pulumi.Resource,
    provider?: pulumi.ProviderResource,
): pulumi.Output<string> {
    const invoke = { parent, ...(provider ? { provider } : {}) };
    const account = aws.getCallerIdentityOutput({}, invoke).accountId;
    const region = aws.getRegionOutput({}, invoke).region;
    return pulumi.all([account, region]).apply(([accountId, regionName]) =>
        pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: service },
                    Action: "sts:AssumeRole",
                    Condition: {
                        StringEquals: { "aws:SourceAccount": accountId },
                        ArnLike: { "aws:SourceArn": sourceArn(accountId, regionName) },
                    },
                },
            ],
        }),
    );
}
