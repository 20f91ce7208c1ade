import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, securityFindings } from "../factory";

const policy = "stack-security-findings";
const without = (type: string) => securityFindings().filter((r) => r.type !== type);
const changed = (type: string, change: (p: Record<string, any>) => void) =>
    securityFindings().map((r) => (r.type === type ? edit(r, change) : r));

describe("stack/security-findings", () => {
    it("passes GuardDuty with EKS audit logs, Security Hub with FSBP, a validated multi-region trail and a routed GuardDuty rule", async () => {
        assert.deepEqual(await messages(policy, securityFindings()), []);
    });
    it("flags a stack with none of them", async () => {
        assert.deepEqual(await messages(policy, []), [
            "no enabled GuardDuty detector: nothing looks for threats in the account",
            "no Security Hub account: the FSBP controls are not checked",
            "Security Hub is not subscribed to the AWS Foundational Security Best Practices standard",
            "no CloudTrail trail: API activity is not recorded",
            "no enabled EventBridge rule with a target for GuardDuty findings: findings page no one",
        ]);
    });
    it("flags GuardDuty without EKS audit-log monitoring, or a disabled detector", async () => {
        assert.deepEqual(
            await messages(
                policy,
                changed("aws:guardduty/detectorFeature:DetectorFeature", (p) => (p.status = "DISABLED")),
            ),
            ["GuardDuty does not monitor the EKS audit logs (detector feature EKS_AUDIT_LOGS ENABLED)"],
        );
        assert.deepEqual(
            await messages(
                policy,
                changed("aws:guardduty/detector:Detector", (p) => (p.enable = false)),
            ),
            ["no enabled GuardDuty detector: nothing looks for threats in the account"],
        );
    });
    it("flags Security Hub subscribed to another standard only (CIS)", async () => {
        const cis = changed(
            "aws:securityhub/standardsSubscription:StandardsSubscription",
            (p) => (p.standardsArn = "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0"),
        );
        assert.deepEqual(await messages(policy, cis), [
            "Security Hub is not subscribed to the AWS Foundational Security Best Practices standard",
        ]);
    });
    it("flags a trail without log-file validation, not logging, or in one region", async () => {
        const trail = "aws:cloudtrail/trail:Trail";
        assert.deepEqual(
            await messages(
                policy,
                changed(trail, (p) => delete p.enableLogFileValidation),
            ),
            ["CloudTrail trail security-findings has no log-file validation: tampered log files go unnoticed"],
        );
        assert.deepEqual(
            await messages(
                policy,
                changed(trail, (p) => (p.enableLogging = false)),
            ),
            ["CloudTrail trail security-findings is not logging"],
        );
        assert.deepEqual(
            await messages(
                policy,
                changed(trail, (p) => (p.isMultiRegionTrail = false)),
            ),
            ["CloudTrail trail security-findings records one region only"],
        );
    });
    it("flags a GuardDuty rule without a target, a disabled one, and a rule for another source only", async () => {
        const unrouted = "no enabled EventBridge rule with a target for GuardDuty findings: findings page no one";
        assert.deepEqual(await messages(policy, without("aws:cloudwatch/eventTarget:EventTarget")), [unrouted]);
        assert.deepEqual(
            await messages(
                policy,
                changed("aws:cloudwatch/eventRule:EventRule", (p) => (p.state = "DISABLED")),
            ),
            [unrouted],
        );
        const other = changed(
            "aws:cloudwatch/eventRule:EventRule",
            (p) => (p.eventPattern = JSON.stringify({ source: ["aws.securityhub"] })),
        );
        assert.deepEqual(await messages(policy, other), [unrouted]);
    });
    it("is off where not required (a laptop stack)", async () => {
        assert.deepEqual(await messages(policy, [], { required: false }), []);
    });
});
