// The front door as the real program declares it in each stack.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { accessLogPrefix, tlsPolicy } from "../../../infra/edge/load-balancer";
import { loadBalancerControllerChart } from "../../../infra/platform/charts";
import { loadStackConfig } from "../../../src/policy/config";
import { pack } from "../../../src/policy/pack";
import { checkResources, planResources } from "../../../src/policy/run";
import { at, plan, resource, resourcesOf, stacks } from "../../helpers/plan";

const documented = JSON.parse(readFileSync(join(__dirname, "fixtures", "alb-ingress-annotations.json"), "utf8")) as {
    annotations: string[];
};

/**
 * Application Load Balancer attributes (Elastic Load Balancing API reference, LoadBalancerAttribute,
 * "The following attributes are supported by only Application Load Balancers" and the shared ones).
 */
const albAttributes = new Set([
    "access_logs.s3.enabled",
    "access_logs.s3.bucket",
    "access_logs.s3.prefix",
    "deletion_protection.enabled",
    "idle_timeout.timeout_seconds",
    "routing.http.drop_invalid_header_fields.enabled",
    "routing.http2.enabled",
    "routing.http.desync_mitigation_mode",
    "routing.http.preserve_host_header.enabled",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
    "routing.http.xff_client_port.enabled",
    "routing.http.xff_header_processing.mode",
    "waf.fail_open.enabled",
    "client_keep_alive.seconds",
    "connection_logs.s3.enabled",
    "connection_logs.s3.bucket",
    "connection_logs.s3.prefix",
]);

describe("infra/edge in the stacks", () => {
    for (const stack of stacks) {
        it(`${stack}: declares the gateway with its routes, policies and client keys`, async () => {
            const p = await plan(stack);
            assert.equal(resourcesOf(p, "pneumonia:edge:Edge").length, 1);
            const release = resource(p, "kubernetes:helm.sh/v3:Release", "edge-gateway").inputs;
            assert.equal(release.chart, "oci://docker.io/envoyproxy/gateway-helm");
            assert.equal(release.version, "v1.9.0");
            assert.equal(resourcesOf(p, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").length, 4);
            assert.equal(resourcesOf(p, "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy").length, 1);
            assert.equal(resourcesOf(p, "pneumonia:edge:PublicLoadBalancer").length, stack === "local" ? 0 : 1);
            assert.match(String(p.outputs.edgeUrl), /^https:\/\//);
        });

        it(`${stack}: keeps every client key and the listener's private key secret`, async () => {
            const p = await plan(stack);
            const allSecret = (data: unknown) => Object.values(data as object).every((v) => v === "[secret]");
            const keys = resource(p, "kubernetes:core/v1:Secret", "edge-gateway-client-keys").inputs.stringData;
            assert.ok(Object.keys(keys as object).length > 0 && allSecret(keys), JSON.stringify(keys));
            const tls = resource(p, "kubernetes:core/v1:Secret", "edge-gateway-tls").inputs.stringData;
            assert.ok(allSecret(tls), JSON.stringify(tls));
            const outputs = p.outputs.edgeClientKeys;
            assert.ok(outputs === "[secret]" || allSecret(outputs), JSON.stringify(outputs));
            // What the plan prints (inputs and outputs; `props` is the unredacted policy view) holds no key value.
            const printed = JSON.stringify({ inputs: p.resources.map((r) => r.inputs), outputs: p.outputs });
            assert.ok(!printed.includes("plan-placeholder-edge-gateway-key"), "a client key value appears in the plan output");
        });
    }

    describe("production's load balancer", () => {
        const ingress = async () =>
            resource(await plan("production"), "kubernetes:networking.k8s.io/v1:Ingress", "edge-load-balancer").inputs;

        it("uses only annotations the controller documents (v2.17.1)", async () => {
            const annotations = Object.keys(at(await ingress(), "metadata.annotations"));
            assert.deepEqual(
                annotations.filter((a) => !documented.annotations.includes(a)),
                [],
            );
        });

        it("is internet-facing on 443 with the ACM certificate and the TLS 1.2+ policy, and redirects 80", async () => {
            const a = at(await ingress(), "metadata.annotations");
            assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
            assert.deepEqual(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"]), [{ HTTP: 80 }, { HTTPS: 443 }]);
            assert.equal(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
            assert.equal(a["alb.ingress.kubernetes.io/ssl-policy"], tlsPolicy);
            assert.match(a["alb.ingress.kubernetes.io/certificate-arn"], /^arn:aws:acm:eu-west-1:\d{12}:certificate\//);
            assert.equal(a["alb.ingress.kubernetes.io/backend-protocol"], "HTTPS");
            assert.equal(a["alb.ingress.kubernetes.io/inbound-cidrs"], "0.0.0.0/0");
            assert.match(a["alb.ingress.kubernetes.io/wafv2-acl-arn"], /^arn:aws:wafv2:/);
        });

        it("sets only ALB attributes, with HTTP/2 and access logs on", async () => {
            const pairs = String(at(await ingress(), "metadata.annotations")["alb.ingress.kubernetes.io/load-balancer-attributes"])
                .split(",")
                .map((kv) => kv.split("="));
            assert.deepEqual(
                pairs.map(([k]) => k).filter((k) => !albAttributes.has(k)),
                [],
            );
            const attributes = Object.fromEntries(pairs);
            assert.equal(attributes["routing.http2.enabled"], "true");
            assert.equal(attributes["access_logs.s3.enabled"], "true");
            assert.equal(attributes["access_logs.s3.prefix"], accessLogPrefix);
            assert.match(attributes["access_logs.s3.bucket"], /^edge-access-logs-/);
            assert.equal(attributes["deletion_protection.enabled"], "true");
        });

        it("targets the Envoy Service in the edge namespace", async () => {
            const spec = (await ingress()).spec as any;
            assert.equal(spec.ingressClassName, "alb");
            assert.equal(spec.rules[0].host, "detector.pneumonia.example.org");
            assert.deepEqual(spec.rules[0].http.paths[0].backend, { service: { name: "edge-envoy", port: { number: 443 } } });
        });

        it("validates the certificate by DNS in the configured hosted zone", async () => {
            const p = await plan("production");
            assert.equal(resource(p, "aws:acm/certificate:Certificate", "edge-load-balancer").inputs.validationMethod, "DNS");
            const record = resource(p, "aws:route53/record:Record", "edge-load-balancer-certificate-validation").inputs;
            assert.equal(record.zoneId, "Z0EXAMPLE0PRODUCTION");
            assert.equal(record.name, "_plan0001.detector.pneumonia.example.org.");
            assert.ok(resource(p, "aws:acm/certificateValidation:CertificateValidation", "edge-load-balancer"));
        });

        it("trusts the controller's role only for its service account (IRSA)", async () => {
            const p = await plan("production");
            const trust = JSON.parse(String(resource(p, "aws:iam/role:Role", "edge-load-balancer-controller").inputs.assumeRolePolicy));
            const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
            assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
                [`${issuer}:sub`]: `system:serviceaccount:edge:${loadBalancerControllerChart.serviceAccount}`,
                [`${issuer}:aud`]: "sts.amazonaws.com",
            });
            const policy = JSON.parse(String(resource(p, "aws:iam/rolePolicy:RolePolicy", "edge-load-balancer-controller").inputs.policy));
            const actions = policy.Statement.flatMap((s: any) => s.Action);
            for (const dropped of ["shield:CreateProtection", "cognito-idp:DescribeUserPoolClient", "waf-regional:AssociateWebACL"])
                assert.ok(!actions.includes(dropped), dropped);
            const create = policy.Statement.find((s: any) => s.Action.includes("elasticloadbalancing:CreateLoadBalancer"));
            assert.deepEqual(create.Condition, { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
        });

        it("filters with the managed common and known-bad-inputs groups and a per-IP rate limit", async () => {
            const acl = resource(await plan("production"), "aws:wafv2/webAcl:WebAcl", "edge-load-balancer").inputs as any;
            assert.equal(acl.scope, "REGIONAL");
            const rate = acl.rules.find((r: any) => r.statement.rateBasedStatement);
            assert.deepEqual(rate.statement.rateBasedStatement, { limit: 1000, aggregateKeyType: "IP", evaluationWindowSec: 300 });
            assert.deepEqual(rate.action, { block: {} });
            const groups = acl.rules
                .filter((r: any) => r.statement.managedRuleGroupStatement)
                .map((r: any) => r.statement.managedRuleGroupStatement);
            assert.deepEqual(
                groups.map((g: any) => g.name),
                ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
            );
            // AWS managed rules docs: SizeRestrictions_BODY blocks request bodies over 8 KB, i.e. every X-ray upload.
            assert.deepEqual(groups[0].ruleActionOverrides, [{ name: "SizeRestrictions_BODY", actionUsage: { count: {} } }]);
            assert.equal(new Set(acl.rules.map((r: any) => r.priority)).size, acl.rules.length, "priorities are unique");
        });

        it("brings WAF's blocked requests from CloudWatch with a read-only role trusted only by the exporter's service account", async () => {
            const p = await plan("production");
            const release = resource(p, "kubernetes:helm.sh/v3:Release", "edge-monitoring-waf-metrics").inputs as any;
            assert.equal(release.version, "0.28.1");
            // The WebACL dimension's value is the ACL's VisibilityConfig.MetricName, not its name (tests/platform/waf-metrics.ts).
            assert.match(release.values.config, /WebACL:\n\s+- pneumonia-edge\n/);
            const trust = JSON.parse(String(resource(p, "aws:iam/role:Role", "edge-monitoring-waf-metrics").inputs.assumeRolePolicy));
            assert.equal(
                trust.Statement[0].Condition.StringEquals["oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"],
                "system:serviceaccount:monitoring:edge-waf-metrics",
            );
            const policy = JSON.parse(String(resource(p, "aws:iam/rolePolicy:RolePolicy", "edge-monitoring-waf-metrics").inputs.policy));
            assert.deepEqual(
                policy.Statement.flatMap((s: any) => s.Action).filter((a: string) => !/^cloudwatch:(Get|List)/.test(a)),
                [],
            );
            assert.equal(
                resourcesOf(await plan("local"), "kubernetes:helm.sh/v3:Release").some((r) => r.name === "edge-monitoring-waf-metrics"),
                false,
            );
        });

        it("keeps access logs in a private, SSE-S3, TLS-only bucket for at least a year, writable only by ELB log delivery", async () => {
            const p = await plan("production");
            const name = "edge-load-balancer-access-logs";
            const encryption = resource(p, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name)
                .inputs as any;
            assert.equal(encryption.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
            const block = resource(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name).inputs;
            assert.deepEqual(
                [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
                [true, true, true, true],
            );
            const rules = resource(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name).inputs.rules as any[];
            assert.ok(rules[0].expiration.days >= 365);
            const policy = JSON.parse(String(resource(p, "aws:s3/bucketPolicy:BucketPolicy", name).inputs.policy));
            const writers = policy.Statement.filter((s: any) => s.Effect === "Allow");
            assert.deepEqual(
                writers.map((s: any) => s.Action),
                ["s3:PutObject", "s3:PutObject"],
            );
            for (const s of writers) assert.match(s.Resource, new RegExp(`/${accessLogPrefix}/AWSLogs/\\d{12}/\\*$`));
            assert.ok(policy.Statement.some((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"));
        });
    });
});

describe("infra/edge against the policy pack", () => {
    it("staging with WAF turned off fails stack-edge-protection; as configured it passes", async () => {
        const config = loadStackConfig("staging", pack.policies);
        const edgeViolations = async (p: Awaited<ReturnType<typeof plan>>) =>
            (await checkResources(planResources(p), config)).violations
                .filter((v) => v.policy === "stack-edge-protection")
                .map((v) => v.message);
        assert.deepEqual(await edgeViolations(await plan("staging")), []);
        assert.deepEqual(await edgeViolations(await plan("staging", { overrides: { edge: { waf: { enabled: false } } } })), [
            "Ingress edge/edge is internet-facing without a WAF web ACL (wafv2-acl-arn)",
        ]);
    });
});
