// infra/security as the stacks plan it. The evidence bucket's policy is judged by the project's IAM
// evaluator (tests/helpers/iam-policy.ts: explicit deny wins, same-account resource policy allows);
// CloudTrail's bucket and key statements are the ones its docs require
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html,
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
import { strict as assert } from "node:assert";
import { quarantineLabel, quarantinePolicySpec, responderRules } from "../../../infra/security/quarantine";
import { findingRules, guardDutyTiers } from "../../../infra/security/findings";
import { keyRotationDueSeries, keyRotationRules } from "../../../infra/security/key-age";
import { allowed, type Request } from "../../helpers/iam-policy";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

// Production plans in the account its stack file names (src/plan answers caller-identity with it).
const responder = "arn:aws:iam::444455556666:role/pneumonia-production-incident-responder";
const auditor = "arn:aws:iam::444455556666:role/pneumonia-production-security-auditor";

describe("security: the stacks' plans", function () {
    this.timeout(120_000);

    it("production: GuardDuty with EKS audit logs, Security Hub with FSBP only, a validated multi-region trail encrypted with its bucket's key", async () => {
        const p = await plan("production");
        assert.equal(at(resource(p, "aws:guardduty/detector:Detector", "security-findings").inputs, "enable"), true);
        assert.deepEqual(resource(p, "aws:guardduty/detectorFeature:DetectorFeature", "security-findings-eks-audit-logs").inputs, {
            detectorId: "security-findings-id",
            name: "EKS_AUDIT_LOGS",
            status: "ENABLED",
        });
        assert.equal(at(resource(p, "aws:securityhub/account:Account", "security-findings").inputs, "enableDefaultStandards"), false);
        assert.deepEqual(
            resourcesOf(p, "aws:securityhub/standardsSubscription:StandardsSubscription").map((s) => s.inputs.standardsArn),
            ["arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0"],
        );
        const trail = resource(p, "aws:cloudtrail/trail:Trail", "security-findings").inputs as any;
        assert.deepEqual(
            [trail.name, trail.enableLogFileValidation, trail.isMultiRegionTrail, trail.includeGlobalServiceEvents, trail.enableLogging],
            ["pneumonia-platform-production", true, true, true, true],
        );
        assert.equal(trail.kmsKeyId, "arn:aws:kms:eu-west-1:444455556666:key/security-findings-trail-key");
        const bucketPolicy = JSON.parse(resource(p, "aws:s3/bucketPolicy:BucketPolicy", "security-findings-trail").inputs.policy as string);
        const trailArn = "arn:aws:cloudtrail:eu-west-1:444455556666:trail/pneumonia-platform-production";
        const write = bucketPolicy.Statement.find((s: any) => s.Sid === "CloudTrailWrite");
        assert.deepEqual(write.Principal, { Service: "cloudtrail.amazonaws.com" });
        assert.equal(write.Resource, `${trail.s3BucketName.replace(/^/, "arn:aws:s3:::")}/AWSLogs/444455556666/*`);
        assert.deepEqual(write.Condition, { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trailArn } });
        const keyPolicy = JSON.parse(resource(p, "aws:kms/key:Key", "security-findings-trail-key").inputs.policy as string);
        assert.deepEqual(
            keyPolicy.Statement.map((s: any) => s.Sid),
            ["AccountAdministers", "CloudTrailEncryptLogs", "CloudTrailDescribeKey"],
        );
        assert.equal(
            keyPolicy.Statement[1].Condition.StringLike["kms:EncryptionContext:aws:cloudtrail:arn"],
            "arn:aws:cloudtrail:*:444455556666:trail/*",
        );
    });

    it("production: GuardDuty high pages SEV-1, medium SEV-2, low is a ticket; every finding class and tier has a rule, a target and a runbook", async () => {
        const p = await plan("production");
        const topics = Object.fromEntries(
            resourcesOf(p, "aws:sns/topic:Topic")
                .filter((t) => t.name.startsWith("security-findings-"))
                .map((t) => [`arn:aws:sns:eu-west-1:444455556666:${t.name}`, t.name]),
        );
        const rules = findingRules();
        assert.equal(rules.filter((r) => r.name.startsWith("guardduty-")).length, 5 * guardDutyTiers.length);
        for (const rule of rules) {
            const planned = resource(p, "aws:cloudwatch/eventRule:EventRule", `security-findings-${rule.name}`).inputs as any;
            assert.deepEqual(JSON.parse(planned.eventPattern), rule.pattern);
            const target = resource(p, "aws:cloudwatch/eventTarget:EventTarget", `security-findings-${rule.name}`).inputs as any;
            assert.equal(target.rule, planned.name);
            const expected = {
                critical: ["security-findings-page", "SEV-1"],
                high: ["security-findings-page", "SEV-2"],
                medium: ["security-findings-ticket", "SEV-3"],
            }[rule.severity as "critical" | "high" | "medium"];
            assert.equal(topics[target.arn], expected[0], rule.name);
            assert.match(
                target.inputTransformer.inputTemplate,
                new RegExp(
                    `^"${expected[1]} .*Runbook: https://github.com/example-org/pneumonia-platform/blob/main/docs/security/runbooks/${rule.runbook}\\.md"$`,
                ),
            );
        }
        // The bands: 7.0 and above is high (SEV-1), 4.0 to 6.9 medium (SEV-2), below 4 low.
        assert.deepEqual(
            guardDutyTiers.map((t) => [t.tier, t.severity, t.numeric]),
            [
                ["high", "critical", [">=", 7]],
                ["medium", "high", [">=", 4, "<", 7]],
                ["low", "medium", ["<", 4]],
            ],
        );
        const topicPolicy = JSON.parse(resource(p, "aws:sns/topicPolicy:TopicPolicy", "security-findings-page").inputs.policy as string);
        assert.deepEqual(topicPolicy.Statement[0].Condition, {
            ArnLike: { "aws:SourceArn": "arn:aws:events:eu-west-1:444455556666:rule/security-production-*" },
        });
        assert.ok(
            rules.every((r) =>
                (resource(p, "aws:cloudwatch/eventRule:EventRule", `security-findings-${r.name}`).inputs as any).name.startsWith(
                    "security-production-",
                ),
            ),
        );
    });

    it("production: the topics deliver to the secret page and ticket endpoints, which stay secrets in the plan", async () => {
        const page = "https://events.pagerduty.com/integration/0123456789abcdef/enqueue";
        const p = await plan("production", {
            secrets: { securityPageEndpoint: page, securityTicketEndpoint: "mailto:security-tickets@example.org" },
        });
        const subscriptions = resourcesOf(p, "aws:sns/topicSubscription:TopicSubscription").filter((s) =>
            s.name.startsWith("security-findings-"),
        );
        assert.deepEqual(
            subscriptions.map((s) => [s.name, s.props.protocol, s.props.endpoint]),
            [
                ["security-findings-page", "https", page],
                ["security-findings-ticket", "email", "security-tickets@example.org"],
            ],
        );
        for (const s of subscriptions) assert.equal(s.inputs.endpoint, "[secret]");
        assert.ok(!JSON.stringify(p.resources.map((r) => r.inputs)).includes("0123456789abcdef"));
    });

    it("production: the evidence bucket is locked in COMPLIANCE for the configured retention; responders write and never delete or overwrite, auditors read, others nothing", async () => {
        const p = await plan("production");
        assert.deepEqual(
            at(
                resource(p, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "security-evidence").inputs,
                "rule.defaultRetention",
            ),
            { mode: "COMPLIANCE", days: 365 },
        );
        assert.equal(at(resource(p, "aws:s3/bucket:Bucket", "security-evidence").inputs, "objectLockEnabled"), true);
        assert.equal(resource(p, "aws:s3/bucket:Bucket", "security-evidence").protect, true);
        const policy = JSON.parse(resource(p, "aws:s3/bucketPolicy:BucketPolicy", "security-evidence").inputs.policy as string);
        const bucketArn = "arn:aws:s3:::evidence-plan0001";
        const object = `${bucketArn}/INC-1/production/pneumonia/pod/t/pod.json`;
        const request = (principalArn: string, action: string, resourceArn: string, context: Record<string, string> = {}): Request => ({
            action,
            principalArn,
            principalAccount: principalArn.split(":")[4]!,
            resourceAccount: "444455556666",
            resource: resourceArn,
            context: { "aws:SecureTransport": "true", ...context },
        });
        const may = (r: Request) => allowed(r, [], policy);
        const conditional = { "s3:if-none-match": "*" };
        assert.ok(may(request(responder, "s3:PutObject", object, conditional)));
        assert.ok(!may(request(responder, "s3:PutObject", object)), "an unconditional write could add a version over evidence");
        assert.ok(!may(request(responder, "s3:DeleteObject", object)));
        assert.ok(!may(request(responder, "s3:DeleteObjectVersion", object)));
        assert.ok(!may(request(responder, "s3:PutObject", object, { ...conditional, "aws:SecureTransport": "false" })), "TLS only");
        assert.ok(may(request(auditor, "s3:GetObject", object)));
        assert.ok(may(request(auditor, "s3:ListBucket", bucketArn)));
        assert.ok(!may(request(auditor, "s3:PutObject", object, conditional)));
        assert.ok(!may(request(auditor, "s3:DeleteObject", object)));
        const stranger = "arn:aws:iam::444455556666:role/pneumonia-production-node";
        assert.ok(!may(request(stranger, "s3:GetObject", object)));
        // Even an administrator of the account, whose identity policy allows everything, cannot delete.
        const admin = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
        assert.ok(!allowed(request("arn:aws:iam::444455556666:role/admin", "s3:DeleteObject", object), [admin], policy));
        assert.ok(allowed(request("arn:aws:iam::444455556666:role/admin", "s3:GetObject", object), [admin], policy));
        const key = JSON.parse(resource(p, "aws:kms/key:Key", "security-evidence-key").inputs.policy as string);
        assert.deepEqual(
            key.Statement.slice(1).map((s: any) => [s.Sid, s.Principal.AWS, s.Action]),
            [
                ["RespondersEncrypt", [responder], ["kms:GenerateDataKey", "kms:Decrypt"]],
                ["AuditorsDecrypt", [auditor], ["kms:Decrypt"]],
            ],
        );
    });

    it("every stack: a forensics namespace and a quarantine NetworkPolicy in the app namespace; DNS is not allowed to quarantined pods", async () => {
        for (const stack of ["local", "production"]) {
            const p = await plan(stack);
            assert.equal(
                at(resource(p, "kubernetes:core/v1:Namespace", "security-quarantine-forensics").inputs, "metadata.name"),
                "forensics",
            );
            const quarantine = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "security-quarantine-0").inputs as any;
            assert.deepEqual([quarantine.metadata.name, quarantine.metadata.namespace], ["quarantine", "pneumonia"]);
            assert.deepEqual(quarantine.spec, quarantinePolicySpec("forensics"));
            for (const dns of resourcesOf(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter(
                (r) => at(r.inputs, "metadata.name") === "allow-dns",
            )) {
                assert.deepEqual(
                    at(dns.inputs, "spec.podSelector"),
                    { matchExpressions: [{ key: quarantineLabel, operator: "DoesNotExist" }] },
                    dns.name,
                );
            }
        }
    });

    it("production: the incident-responder ClusterRole, bound to the configured responder group only", async () => {
        const p = await plan("production");
        assert.deepEqual(
            at(resource(p, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "security-quarantine-responder").inputs, "rules"),
            responderRules,
        );
        const binding = resource(p, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "security-quarantine-responder")
            .inputs as any;
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "incident-responder" });
        assert.deepEqual(binding.subjects, [
            { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "pneumonia-production-incident-responders" },
        ]);
        // No wildcard verbs or resources, no secrets, nothing that deletes.
        for (const rule of responderRules) {
            assert.ok(
                !rule.verbs.some((v) => ["*", "delete", "deletecollection", "create", "update"].includes(v)) ||
                    (rule.resources[0] === "pods/portforward" && rule.verbs.join() === "create"),
                JSON.stringify(rule),
            );
            assert.ok(!rule.resources.some((r) => r === "*" || r === "secrets"), JSON.stringify(rule));
        }
        const local = await plan("local");
        assert.equal(
            resourcesOf(local, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter(
                (r) => r.name === "security-quarantine-responder",
            ).length,
            0,
        );
    });

    it("local: no AWS security services, no evidence bucket, no key-age rules (a laptop's key is never rotated)", async () => {
        const p = await plan("local");
        assert.deepEqual(resourcesOf(p, "aws:guardduty/detector:Detector"), []);
        assert.equal(p.resources.filter((r) => r.name === "security-evidence").length, 0);
        assert.equal(p.resources.filter((r) => r.name === "security-key-rotation").length, 0);
    });

    it("production: one rotation-due series per live edge key, 90 days after the month its name carries", async () => {
        const p = await plan("production");
        const rule = resource(p, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "security-key-rotation").inputs as any;
        assert.equal(rule.metadata.namespace, "monitoring");
        const due = Date.UTC(2026, 10, 1) / 1000 + 90 * 86400;
        assert.deepEqual(rule.spec.groups[0].rules, [
            { record: keyRotationDueSeries, expr: `vector(${due})`, labels: { client: "radiology-pacs", key: "k2026-11" } },
            { record: keyRotationDueSeries, expr: `vector(${due})`, labels: { client: "triage-app", key: "k2026-11" } },
        ]);
        // A key of unknown age is due now (the epoch); a stated date wins over the name; the period is the config's.
        assert.deepEqual(
            keyRotationRules(
                { laptop: { keys: ["k1", "k2026-02"] } },
                { keyIssued: { "laptop.k2026-02": "2026-03-15" }, keyRotationDays: 30 },
            ).map((r) => r.expr),
            ["vector(0)", `vector(${Date.UTC(2026, 2, 15) / 1000 + 30 * 86400})`],
        );
    });
});
