// Security findings that reach people: an AWS stack runs GuardDuty with EKS audit-log monitoring,
// Security Hub with the Foundational Security Best Practices standard, a CloudTrail trail whose log
// files can be validated, and EventBridge rules sending GuardDuty's findings somewhere (infra/security).
import { stackPolicy } from "../lib/definitions";
import { manual } from "../lib/sources";

const types = {
    detector: "aws:guardduty/detector:Detector",
    feature: "aws:guardduty/detectorFeature:DetectorFeature",
    hub: "aws:securityhub/account:Account",
    standard: "aws:securityhub/standardsSubscription:StandardsSubscription",
    trail: "aws:cloudtrail/trail:Trail",
    rule: "aws:cloudwatch/eventRule:EventRule",
    target: "aws:cloudwatch/eventTarget:EventTarget",
} as const;

/** The FSBP standard's ARN, whatever the region (https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html). */
const fsbp = /^arn:aws[\w-]*:securityhub:[a-z0-9-]+::standards\/aws-foundational-security-best-practices\/v\/\d+\.\d+\.\d+$/;

/** An EventBridge event pattern: the part read here. */
type EventPattern = { source?: string[] };

function parsePattern(text: unknown): EventPattern | undefined {
    try {
        return typeof text === "string" ? (JSON.parse(text) as EventPattern) : undefined;
    } catch {
        return undefined;
    }
}

export const stackSecurityFindings = stackPolicy<{ required: boolean }>(
    {
        name: "stack-security-findings",
        description:
            "An AWS stack has GuardDuty with EKS audit-log monitoring, Security Hub with the Foundational Security Best Practices standard, a multi-region CloudTrail trail with log-file validation, and EventBridge rules delivering GuardDuty findings.",
        severity: "high",
        framework: manual("Security Operations: check security alert feeds"),
        remediationSteps: "Deploy infra/security (SecurityFindings) in the stack with security.findings: true.",
    },
    { required: { type: "boolean", default: true, description: "The stack must have the finding services (off for a laptop stack)." } },
    (args, report, config) => {
        if (!config.required) return args.notApplicable("security findings are not required in this stack");
        const of = (type: string) => args.resources.filter((r) => r.type === type);
        const detectors = of(types.detector).filter((d) => d.props.enable !== false);
        if (detectors.length === 0) report("no enabled GuardDuty detector: nothing looks for threats in the account");
        const eksAudit = of(types.feature).some((f) => f.props.name === "EKS_AUDIT_LOGS" && f.props.status === "ENABLED");
        if (detectors.length > 0 && !eksAudit)
            report("GuardDuty does not monitor the EKS audit logs (detector feature EKS_AUDIT_LOGS ENABLED)");
        if (of(types.hub).length === 0) report("no Security Hub account: the FSBP controls are not checked");
        if (!of(types.standard).some((s) => typeof s.props.standardsArn === "string" && fsbp.test(s.props.standardsArn))) {
            report("Security Hub is not subscribed to the AWS Foundational Security Best Practices standard");
        }
        const trails = of(types.trail);
        if (trails.length === 0) report("no CloudTrail trail: API activity is not recorded");
        for (const t of trails) {
            if (t.props.enableLogFileValidation !== true)
                report(`CloudTrail trail ${t.name} has no log-file validation: tampered log files go unnoticed`, t.urn);
            if (t.props.enableLogging === false) report(`CloudTrail trail ${t.name} is not logging`, t.urn);
            if (t.props.isMultiRegionTrail !== true) report(`CloudTrail trail ${t.name} records one region only`, t.urn);
        }
        const targeted = new Set(of(types.target).map((t) => t.props.rule));
        const guardDutyRules = of(types.rule).filter((r) => (parsePattern(r.props.eventPattern)?.source ?? []).includes("aws.guardduty"));
        if (!guardDutyRules.some((r) => targeted.has(r.props.name) && r.props.state !== "DISABLED")) {
            report("no enabled EventBridge rule with a target for GuardDuty findings: findings page no one");
        }
    },
);
