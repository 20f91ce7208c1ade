// What the platform stack of each environment declares, as IAM service prefixes: the deploy role
// may act on these services and no other (not AdministratorAccess). tests/bootstrap/deploy-services.test.ts
// plans the platform stacks and fails when a stack declares a service missing here, or one listed
// here is no longer declared.

/** Pulumi AWS modules whose IAM prefix differs from the module name. */
const iamPrefixOf: Record<string, string> = { sfn: "states", elasticloadbalancingv2: "elasticloadbalancing", lb: "elasticloadbalancing" };

/**
 * The IAM service prefix of a Pulumi AWS resource type, e.g. aws:s3/bucket:Bucket -> s3. The cloudwatch
 * module spans three services: EventBridge rules and targets are `events:`, log groups `logs:`.
 */
export function iamServiceOf(type: string): string {
    const [, module, resource = ""] = type.split(/[:/]/);
    if (module === "cloudwatch" && resource.startsWith("event")) return "events";
    if (module === "cloudwatch" && resource.startsWith("log")) return "logs";
    return iamPrefixOf[module!] ?? module!;
}

export const deployServices: Record<"staging" | "production", readonly string[]> = {
    staging: [
        "acm",
        "budgets",
        "cloudtrail",
        "dlm",
        "ecr",
        "events",
        "guardduty",
        "iam",
        "kms",
        "route53",
        "s3",
        "securityhub",
        "sns",
        "wafv2",
    ],
    production: [
        "acm",
        "budgets",
        "cloudtrail",
        "dlm",
        "ec2",
        "events",
        "guardduty",
        "iam",
        "kms",
        "rds",
        "route53",
        "s3",
        "securityhub",
        "sns",
        "wafv2",
    ],
};
