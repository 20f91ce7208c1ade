// The environment's monthly AWS Budget, with notifications at 80 % of actual spend and 100 % of
// forecast spend to a KMS-encrypted SNS topic that delivers to the ticket system (`cost.notify`):
// where SEV-4 (next business day) work is taken from. The topic admits AWS Budgets the way its docs ask
// (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html): service
// principal budgets.amazonaws.com, sns:Publish, only for this account (aws:SourceAccount) and its
// budgets (aws:SourceArn); and the key lets that service encrypt to the topic
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html, compatibility with AWS services).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountKeyPolicy } from "../platform/kms";
import { stackScopedName } from "../platform/names";
import type { CostConfig } from "./config";

/** When the ticket is raised: most of the month's money spent, or the month forecast over budget. */
export const budgetNotifications = [
    { notificationType: "ACTUAL", threshold: 80 },
    { notificationType: "FORECASTED", threshold: 100 },
] as const;

export interface CostBudgetArgs {
    cost: CostConfig;
    stack: string;
    tags: Record<string, string>;
}

export class CostBudget extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly budgetName: pulumi.Output<string>;

    constructor(name: string, args: CostBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:capacity:CostBudget", name, {}, opts);
        if (!(args.cost.monthlyBudgetUsd > 0)) throw new Error(`${name}: cost.monthlyBudgetUsd must be positive`);
        const child = { parent: this };
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        const budgetsService = "budgets.amazonaws.com";

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: "Encrypts the budget notification topic",
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: accountKeyPolicy(account, [
                    {
                        Sid: "BudgetsEncryptToTopic",
                        Effect: "Allow",
                        Principal: { Service: budgetsService },
                        Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                        Resource: "*",
                        Condition: { StringEquals: { "aws:SourceAccount": account } },
                    },
                ]),
                tags: args.tags,
            },
            child,
        );
        const topic = new aws.sns.Topic(
            name,
            { namePrefix: `${stackScopedName("budget", args.stack)}-`, kmsMasterKeyId: key.arn, tags: args.tags },
            child,
        );
        new aws.sns.TopicPolicy(
            name,
            {
                arn: topic.arn,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "BudgetsPublish",
                            Effect: "Allow",
                            Principal: { Service: budgetsService },
                            Action: "SNS:Publish",
                            Resource: topic.arn,
                            Condition: {
                                StringEquals: { "aws:SourceAccount": account },
                                ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:budgets::${account}:*` },
                            },
                        },
                    ],
                }),
            },
            child,
        );
        if (args.cost.notify) {
            const email = args.cost.notify.startsWith("mailto:");
            // An e-mail endpoint confirms by the link AWS sends it; an HTTPS endpoint by the SubscriptionConfirmation request.
            new aws.sns.TopicSubscription(
                name,
                {
                    topic: topic.arn,
                    protocol: email ? "email" : "https",
                    endpoint: email ? args.cost.notify.slice("mailto:".length) : args.cost.notify,
                },
                child,
            );
        } else {
            pulumi.log.warn(`${name}: no cost.notify in the stack config: budget notifications reach the SNS topic but no ticket`, this);
        }
        const budget = new aws.budgets.Budget(
            name,
            {
                name: stackScopedName("pneumonia-platform", args.stack),
                budgetType: "COST",
                limitAmount: args.cost.monthlyBudgetUsd.toFixed(2),
                limitUnit: "USD",
                timeUnit: "MONTHLY",
                notifications: budgetNotifications.map((n) => ({
                    notificationType: n.notificationType,
                    threshold: n.threshold,
                    thresholdType: "PERCENTAGE",
                    comparisonOperator: "GREATER_THAN",
                    subscriberSnsTopicArns: [topic.arn],
                })),
                tags: args.tags,
            },
            { parent: this, dependsOn: [topic] },
        );
        this.topicArn = topic.arn;
        this.budgetName = budget.name;
        this.registerOutputs({ topicArn: this.topicArn, budgetName: this.budgetName });
    }
}
