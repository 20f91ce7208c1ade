// What the platform stack of each environment declares, as IAM service prefixes: the deploy role
// may act on these services and no other (not AdministratorAccess). tests/bootstrap/deploy-services.test.ts
// plans the platform stacks and fails when a stack declares a service missing here, or one listed
// here is no longer declared.

/** Pulumi AWS modules whose IAM prefix differs from the module name. */
const iamPrefixOf: Record<string, string> = { cloudwatch: "cloudwatch", sfn: "states", elasticloadbalancingv2: "elasticloadbalancing", lb: "elasticloadbalancing" };

/** The IAM service prefix of a Pulumi AWS resource type, e.g. aws:s3/bucket:Bucket -> s3. */
export function iamServiceOf(type: string): string {
    const module = type.split(/[:/]/)[1]!;
    return iamPrefixOf[module] ?? module;
}

export const deployServices: Record<"staging" | "production", readonly string[]> = {
    staging: ["acm", "budgets", "dlm", "ecr", "iam", "kms", "route53", "s3", "sns", "wafv2"],
    production: ["acm", "budgets", "dlm", "ec2", "iam", "kms", "rds", "route53", "s3", "sns", "wafv2"],
};
