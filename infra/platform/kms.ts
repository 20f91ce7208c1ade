// Key policies of the platform's customer-managed KMS keys.
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The account administers the key through IAM (AWS's default key policy), plus `statements` for the
 * services or principals that must use it: a service writing to an encrypted bucket or topic needs
 * the key's own permission, which no IAM policy of ours can grant.
 */
export function accountKeyPolicy(
    account: pulumi.Input<string>,
    statements: pulumi.Input<aws.iam.PolicyStatement>[],
): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            ...statements,
        ],
    });
}
