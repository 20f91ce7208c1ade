// The budget, its topic and the key, as the stacks plan them, checked against what AWS documents:
// the Budgets topic policy (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html)
// and a KMS-encrypted topic's key policy for an AWS service publisher
// (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
import { strict as assert } from "node:assert";
import { planDrill } from "../../../src/dr/plan";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

const account = (arn: string) => /^arn:aws:[a-z]+:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1];

describe("capacity: AWS Budget per environment", function () {
    this.timeout(120_000);

    for (const [stack, usd] of [
        ["staging", "500.00"],
        ["production", "2000.00"],
    ] as const) {
        it(`${stack}: a monthly cost budget of ${usd} USD, 80 % actual and 100 % forecast to the encrypted topic`, async () => {
            const p = await plan(stack);
            const [budget] = resourcesOf(p, "aws:budgets/budget:Budget").map((r) => r.inputs as any);
            assert.equal(budget.name, `pneumonia-platform-${stack}`);
            assert.equal(budget.budgetType, "COST");
            assert.equal(budget.timeUnit, "MONTHLY");
            assert.equal(budget.limitAmount, usd);
            assert.equal(budget.limitUnit, "USD");
            const topic = resource(p, "aws:sns/topic:Topic", "budget");
            assert.deepEqual(
                budget.notifications.map((n: any) => [
                    n.notificationType,
                    n.threshold,
                    n.thresholdType,
                    n.comparisonOperator,
                    n.subscriberSnsTopicArns.length,
                ]),
                [
                    ["ACTUAL", 80, "PERCENTAGE", "GREATER_THAN", 1],
                    ["FORECASTED", 100, "PERCENTAGE", "GREATER_THAN", 1],
                ],
            );
            for (const n of budget.notifications) assert.match(n.subscriberSnsTopicArns[0], /^arn:aws:sns:/);
            assert.match(String(at(topic.inputs, "kmsMasterKeyId")), /^arn:aws:kms:/);
            assert.equal(budget.tags.component, "cost");
        });

        it(`${stack}: the topic admits budgets.amazonaws.com for this account only, and the key lets it encrypt`, async () => {
            const p = await plan(stack);
            const policy = JSON.parse((resource(p, "aws:sns/topicPolicy:TopicPolicy", "budget").inputs as any).policy);
            const [statement] = policy.Statement;
            assert.deepEqual(statement.Principal, { Service: "budgets.amazonaws.com" });
            assert.equal(statement.Action, "SNS:Publish");
            const sourceAccount = statement.Condition.StringEquals["aws:SourceAccount"];
            assert.match(sourceAccount, /^\d{12}$/);
            assert.equal(statement.Condition.ArnLike["aws:SourceArn"], `arn:aws:budgets::${sourceAccount}:*`);
            assert.equal(account(statement.Resource), sourceAccount);

            const key = resourcesOf(p, "aws:kms/key:Key").find((r) => r.name === "budget-key")!.inputs as any;
            const keyStatements = JSON.parse(key.policy).Statement;
            const forBudgets = keyStatements.find((s: any) => s.Principal.Service === "budgets.amazonaws.com");
            assert.deepEqual(forBudgets.Action, ["kms:GenerateDataKey*", "kms:Decrypt"]);
            assert.equal(forBudgets.Condition.StringEquals["aws:SourceAccount"], sourceAccount);
            assert.ok(
                keyStatements.some((s: any) => s.Principal.AWS === `arn:aws:iam::${sourceAccount}:root` && s.Action === "kms:*"),
                "the account keeps administering its key",
            );
            assert.equal(key.enableKeyRotation, true);
        });
    }

    it("cost.notify subscribes the ticket system: mailto: by e-mail, https:// by HTTPS", async () => {
        const email = await plan("staging", { overrides: { cost: { notify: "mailto:ops-tickets@example.org" } } });
        assert.deepEqual(
            resourcesOf(email, "aws:sns/topicSubscription:TopicSubscription").map((r) => [
                (r.inputs as any).protocol,
                (r.inputs as any).endpoint,
            ]),
            [["email", "ops-tickets@example.org"]],
        );
        const https = await plan("staging", { overrides: { cost: { notify: "https://tickets.example.org/hooks/budget" } } });
        assert.deepEqual(
            resourcesOf(https, "aws:sns/topicSubscription:TopicSubscription").map((r) => [
                (r.inputs as any).protocol,
                (r.inputs as any).endpoint,
            ]),
            [["https", "https://tickets.example.org/hooks/budget"]],
        );
        assert.equal(resourcesOf(await plan("staging"), "aws:sns/topicSubscription:TopicSubscription").length, 0);
    });

    it("local has no budget, and a drill stack creates none (its source's account-wide budget covers it)", async () => {
        assert.equal(resourcesOf(await plan("local"), "aws:budgets/budget:Budget").length, 0);
        const { drill } = await planDrill("production");
        assert.equal(resourcesOf(drill, "aws:budgets/budget:Budget").length, 0);
        assert.equal(resourcesOf(drill, "aws:sns/topic:Topic").length, 0);
    });
});
