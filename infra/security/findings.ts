// Security findings that page: GuardDuty (with EKS audit-log monitoring), Security Hub with the
// Foundational Security Best Practices standard, and a multi-region CloudTrail trail with log-file
// validation. Findings leave AWS by EventBridge rules, one per finding class and severity tier, to
// KMS-encrypted SNS topics subscribed by the platform's pager and ticket endpoints: the path the
// cost budget already uses (infra/capacity/budget.ts). docs/security-operations.md says why not an
// exporter into Prometheus.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "../platform/bucket";
import { accountKeyPolicy } from "../platform/kms";
import { stackScopedName } from "../platform/names";
import { severityClasses, type Severity } from "../observability/objectives";

/**
 * GuardDuty's severity bands (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html):
 * Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0. The issue's mapping: high (and
 * critical) pages as SEV-1, medium pages as SEV-2, low is a ticket (SEV-3).
 */
export const guardDutyTiers = [
    { tier: "high", severity: "critical", numeric: [">=", 7] },
    { tier: "medium", severity: "high", numeric: [">=", 4, "<", 7] },
    { tier: "low", severity: "medium", numeric: ["<", 4] },
] as const satisfies readonly { tier: string; severity: Severity; numeric: readonly (string | number)[] }[];

/**
 * Finding classes, each with its runbook (docs/security/runbooks/<runbook>.md), by the resource GuardDuty
 * reports (detail.resource.resourceType, https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html).
 * The last class takes every other resource type, so no finding goes unrouted.
 */
export const findingClasses = [
    { name: "kubernetes", runbook: "SecurityFindingKubernetes", resourceTypes: ["EKSCluster", "Container"] },
    { name: "credentials", runbook: "SecurityFindingCredentials", resourceTypes: ["AccessKey"] },
    { name: "instance", runbook: "SecurityFindingInstance", resourceTypes: ["Instance", "EC2NetworkInterface"] },
    { name: "data", runbook: "SecurityFindingData", resourceTypes: ["S3Bucket", "S3Object", "RDSDBInstance", "RDSLimitlessDB"] },
] as const;
export const otherFindingsRunbook = "SecurityFindingOther";

/**
 * Security Hub's own control findings (FSBP) that fail, by its label (detail.findings.Severity.Label):
 * CRITICAL pages as SEV-2, HIGH is a ticket. GuardDuty's findings, which Security Hub also
 * receives, are excluded here: they are routed above.
 */
export const securityHubTiers = [
    { tier: "critical", severity: "high", labels: ["CRITICAL"] },
    { tier: "high", severity: "medium", labels: ["HIGH"] },
] as const satisfies readonly { tier: string; severity: Severity; labels: readonly string[] }[];
export const securityHubRunbook = "SecurityHubControlFailed";

/** Where each platform severity's findings are delivered: paged (SEV-1, SEV-2) or ticketed. */
export const findingTopics = { critical: "page", high: "page", medium: "ticket" } as const satisfies Partial<Record<Severity, string>>;

export interface FindingRule {
    name: string;
    severity: Severity;
    runbook: string;
    pattern: Record<string, unknown>;
}

/** Every EventBridge rule: one per GuardDuty class and tier, one per Security Hub tier. */
export function findingRules(): FindingRule[] {
    const known = findingClasses.flatMap((c) => [...c.resourceTypes]);
    const classes = [
        ...findingClasses.map((c) => ({ name: c.name, runbook: c.runbook, resourceType: [...c.resourceTypes] as unknown[] })),
        { name: "other", runbook: otherFindingsRunbook, resourceType: [{ "anything-but": known }] },
    ];
    return [
        ...classes.flatMap((c) =>
            guardDutyTiers.map((t) => ({
                name: `guardduty-${c.name}-${t.tier}`,
                severity: t.severity,
                runbook: c.runbook,
                pattern: {
                    source: ["aws.guardduty"],
                    "detail-type": ["GuardDuty Finding"],
                    detail: { severity: [{ numeric: [...t.numeric] }], resource: { resourceType: c.resourceType } },
                },
            })),
        ),
        ...securityHubTiers.map((t) => ({
            name: `securityhub-${t.tier}`,
            severity: t.severity,
            runbook: securityHubRunbook,
            pattern: {
                source: ["aws.securityhub"],
                "detail-type": ["Security Hub Findings - Imported"],
                detail: {
                    findings: {
                        ProductName: ["Security Hub"],
                        Compliance: { Status: ["FAILED"] },
                        RecordState: ["ACTIVE"],
                        Workflow: { Status: ["NEW"] },
                        Severity: { Label: [...t.labels] },
                    },
                },
            },
        })),
    ];
}

/** The ARN of the FSBP standard in a region (the provider's StandardsSubscription docs list it). */
export const fsbpStandardArn = (region: string) =>
    `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`;

export interface SecurityFindingsArgs {
    stack: string;
    region: string;
    tags: Record<string, string>;
    trailRetentionDays: number;
    /** Prefix of docs/security/runbooks/<name>.md ("<monitoring.runbookBaseUrl>/" or ""), as alerts link them. */
    runbookBase: string;
    /** Secret endpoints of the pager's and the ticket system's SNS integrations (https:// or mailto:). */
    endpoints: { page?: pulumi.Output<string>; ticket?: pulumi.Output<string> };
    protect: boolean;
}

export class SecurityFindings extends pulumi.ComponentResource {
    public readonly trailBucket: pulumi.Output<string>;
    public readonly topicArns: Record<"page" | "ticket", pulumi.Output<string>>;

    constructor(name: string, args: SecurityFindingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:security:SecurityFindings", name, {}, opts);
        const child = { parent: this };
        const account = aws.getCallerIdentityOutput({}, child).accountId;

        const detector = new aws.guardduty.Detector(
            name,
            { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES", tags: args.tags },
            child,
        );
        // EKS audit-log monitoring is a detector feature (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorFeatureConfiguration.html).
        new aws.guardduty.DetectorFeature(
            `${name}-eks-audit-logs`,
            { detectorId: detector.id, name: "EKS_AUDIT_LOGS", status: "ENABLED" },
            child,
        );

        // Security Hub without the default standards, then exactly FSBP, so what is checked is stated here.
        const hub = new aws.securityhub.Account(
            name,
            { enableDefaultStandards: false, controlFindingGenerator: "SECURITY_CONTROL", autoEnableControls: true },
            child,
        );
        new aws.securityhub.StandardsSubscription(
            `${name}-fsbp`,
            { standardsArn: fsbpStandardArn(args.region) },
            { parent: this, dependsOn: [hub] },
        );

        // The trail's name is fixed so that its bucket and key policies can name its ARN before it exists.
        const trailName = stackScopedName("pneumonia-platform", args.stack);
        const trailArn = pulumi.interpolate`arn:aws:cloudtrail:${args.region}:${account}:trail/${trailName}`;
        // CloudTrail's required bucket policy (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html)
        // and key policy for SSE-KMS log files (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
        const trailBucket = new SecureBucket(
            `${name}-trail`,
            {
                purpose: "cloudtrail",
                tags: args.tags,
                protect: args.protect,
                extraPolicyStatements: [
                    (bucketArn) => ({
                        Sid: "CloudTrailAclCheck",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" },
                        Action: "s3:GetBucketAcl",
                        Resource: bucketArn,
                        Condition: { StringEquals: { "aws:SourceArn": trailArn } },
                    }),
                    (bucketArn) => ({
                        Sid: "CloudTrailWrite",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" },
                        Action: "s3:PutObject",
                        Resource: pulumi.interpolate`${bucketArn}/AWSLogs/${account}/*`,
                        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } },
                    }),
                ],
                keyPolicyStatements: [
                    (accountId) => ({
                        Sid: "CloudTrailEncryptLogs",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" },
                        Action: "kms:GenerateDataKey*",
                        Resource: "*",
                        Condition: {
                            StringEquals: { "aws:SourceArn": trailArn },
                            StringLike: {
                                "kms:EncryptionContext:aws:cloudtrail:arn": pulumi.interpolate`arn:aws:cloudtrail:*:${accountId}:trail/*`,
                            },
                        },
                    }),
                    () => ({
                        Sid: "CloudTrailDescribeKey",
                        Effect: "Allow",
                        Principal: { Service: "cloudtrail.amazonaws.com" },
                        Action: "kms:DescribeKey",
                        Resource: "*",
                    }),
                ],
            },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-trail`,
            {
                bucket: trailBucket.bucket,
                rules: [
                    {
                        id: "expire-trail-logs",
                        status: "Enabled",
                        filter: { prefix: "" },
                        expiration: { days: args.trailRetentionDays },
                        noncurrentVersionExpiration: { noncurrentDays: 30 },
                    },
                ],
            },
            { parent: this, dependsOn: trailBucket.ready },
        );
        new aws.cloudtrail.Trail(
            name,
            {
                name: trailName,
                s3BucketName: trailBucket.bucket,
                kmsKeyId: trailBucket.kmsKeyArn,
                enableLogging: true,
                enableLogFileValidation: true,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                tags: args.tags,
            },
            { parent: this, dependsOn: trailBucket.ready },
        );

        // EventBridge publishes to an encrypted topic only if the key lets it
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html#eb-sns-permissions).
        const key = new aws.kms.Key(
            `${name}-topics`,
            {
                description: "Encrypts the security finding topics",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: accountKeyPolicy(account, [
                    {
                        Sid: "EventBridgeEncryptsToTopics",
                        Effect: "Allow",
                        Principal: { Service: "events.amazonaws.com" },
                        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": account } },
                    },
                ]),
                tags: args.tags,
            },
            child,
        );
        const topics = {} as Record<"page" | "ticket", aws.sns.Topic>;
        for (const destination of ["page", "ticket"] as const) {
            const topic = new aws.sns.Topic(
                `${name}-${destination}`,
                { namePrefix: `${stackScopedName(`security-${destination}`, args.stack)}-`, kmsMasterKeyId: key.arn, tags: args.tags },
                child,
            );
            topics[destination] = topic;
            new aws.sns.TopicPolicy(
                `${name}-${destination}`,
                {
                    arn: topic.arn,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "FindingRulesPublish",
                                Effect: "Allow",
                                Principal: { Service: "events.amazonaws.com" },
                                Action: "sns:Publish",
                                Resource: topic.arn,
                                Condition: {
                                    ArnLike: {
                                        "aws:SourceArn": pulumi.interpolate`arn:aws:events:${args.region}:${account}:rule/${stackScopedName("security", args.stack)}-*`,
                                    },
                                },
                            },
                        ],
                    }),
                },
                child,
            );
            const endpoint = args.endpoints[destination];
            if (endpoint) {
                const email = endpoint.apply((e) => e.startsWith("mailto:"));
                new aws.sns.TopicSubscription(
                    `${name}-${destination}`,
                    {
                        topic: topic.arn,
                        protocol: email.apply((m) => (m ? "email" : "https")),
                        endpoint: pulumi.secret(endpoint.apply((e) => e.replace(/^mailto:/, ""))),
                    },
                    child,
                );
            } else {
                pulumi.log.warn(
                    `${name}: no ${destination === "page" ? "securityPageEndpoint" : "securityTicketEndpoint"} secret: security findings reach the ${destination} topic but nobody`,
                    this,
                );
            }
        }

        for (const rule of findingRules()) {
            const { sev } = severityClasses[rule.severity];
            const eventRule = new aws.cloudwatch.EventRule(
                `${name}-${rule.name}`,
                {
                    name: `${stackScopedName("security", args.stack)}-${rule.name}`,
                    description: `${sev}: ${rule.name} findings, runbook docs/security/runbooks/${rule.runbook}.md`,
                    eventPattern: JSON.stringify(rule.pattern),
                    tags: args.tags,
                },
                { parent: this, dependsOn: [detector, hub] },
            );
            const guardDuty = rule.name.startsWith("guardduty-");
            new aws.cloudwatch.EventTarget(
                `${name}-${rule.name}`,
                {
                    rule: eventRule.name,
                    arn: topics[findingTopics[rule.severity as keyof typeof findingTopics]].arn,
                    inputTransformer: guardDuty
                        ? {
                              inputPaths: {
                                  type: "$.detail.type",
                                  severity: "$.detail.severity",
                                  account: "$.detail.accountId",
                                  region: "$.detail.region",
                                  id: "$.detail.id",
                                  title: "$.detail.title",
                              },
                              inputTemplate: `"${sev} GuardDuty <type> (severity <severity>) in <account> <region>: <title> Finding <id>. Runbook: ${args.runbookBase}docs/security/runbooks/${rule.runbook}.md"`,
                          }
                        : {
                              inputPaths: {
                                  title: "$.detail.findings[0].Title",
                                  control: "$.detail.findings[0].Compliance.SecurityControlId",
                                  resource: "$.detail.findings[0].Resources[0].Id",
                              },
                              inputTemplate: `"${sev} Security Hub control <control> failed: <title> on <resource>. Runbook: ${args.runbookBase}docs/security/runbooks/${rule.runbook}.md"`,
                          },
                },
                child,
            );
        }

        this.trailBucket = trailBucket.bucket;
        this.topicArns = { page: topics.page.arn, ticket: topics.ticket.arn };
        this.registerOutputs({ trailBucket: this.trailBucket });
    }
}
