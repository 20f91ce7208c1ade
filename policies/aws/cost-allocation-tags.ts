// Cost allocation: every taggable AWS resource carries the tags the monthly cost review groups by.
// AWS Cost Explorer and Budgets can split spend only by tags activated as cost allocation tags
// (https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/cost-alloc-tags.html), and only on
// resources that carry them.
import { resourcePolicy } from "../lib/definitions";

/**
 * The AWS resource types the platform declares that accept `tags` (their @pulumi/aws class has
 * `tagsAll`); tests/policies/aws/cost-allocation-tags.test.ts checks the list against the provider's
 * own type declarations for every type the three stacks plan.
 */
export const taggableTypes = [
    "aws:acm/certificate:Certificate",
    "aws:budgets/budget:Budget",
    "aws:cloudtrail/trail:Trail",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:dlm/lifecyclePolicy:LifecyclePolicy",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ecr/repository:Repository",
    "aws:guardduty/detector:Detector",
    "aws:iam/role:Role",
    "aws:kms/key:Key",
    "aws:rds/instance:Instance",
    "aws:rds/parameterGroup:ParameterGroup",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:s3/bucket:Bucket",
    "aws:sns/topic:Topic",
    "aws:wafv2/webAcl:WebAcl",
];

export const costAllocationTags = resourcePolicy<{ requiredTags: string[] }>(
    {
        name: "cost-allocation-tags",
        description: "Taggable AWS resources carry the cost allocation tags project, environment, stack and component.",
        severity: "low",
        framework: {
            name: "AWS Billing and Cost Management",
            version: "2025",
            reference: "User-defined cost allocation tags",
            specification: "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/custom-tags.html",
        },
        remediationSteps: "Pass the component's tags (tagsFor(<component>) in infra/index.ts) to the resource's `tags`.",
    },
    {
        requiredTags: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: ["project", "environment", "stack", "component"],
            description: "Tag keys every taggable resource must carry with a non-empty value.",
        },
    },
    (args, report, config) => {
        if (!taggableTypes.includes(args.type))
            return args.notApplicable("Policy only applies to the taggable AWS resource types the platform declares");
        const tags = (args.props.tags ?? {}) as Record<string, unknown>;
        const missing = config.requiredTags.filter((key) => typeof tags[key] !== "string" || tags[key] === "");
        if (missing.length > 0) report(`${args.type.split(":")[2]} ${args.name} lacks cost allocation tags: ${missing.join(", ")}`);
    },
);
