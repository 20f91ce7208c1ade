import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edgeIngress, webAcl } from "../edge-factory";
import { edit, service } from "../factory";

const policy = "stack-edge-protection";

describe("stack/edge-protection", () => {
    it("passes an edge with its web ACL and access logs, and a stack without a public entry (local)", async () => {
        assert.deepEqual(await messages(policy, [edgeIngress(), webAcl()]), []);
        assert.deepEqual(await messages(policy, [service("detector")]), []);
    });
    it("flags a public Ingress without a WAF association", async () => {
        const bare = edit(edgeIngress(), (p) => delete p.metadata.annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"]);
        assert.deepEqual(await messages(policy, [bare, webAcl()]), [
            "Ingress edge/edge is internet-facing without a WAF web ACL (wafv2-acl-arn)",
        ]);
    });
    it("flags a web ACL missing a managed group or the per-IP rate rule", async () => {
        const noBadInputs = edit(webAcl(), (p) => p.rules.pop());
        const noRate = edit(webAcl(), (p) => p.rules.shift());
        for (const acl of [noBadInputs, noRate]) {
            assert.deepEqual(await messages(policy, [edgeIngress(), acl]), [
                "Ingress edge/edge: no web ACL in the stack has a per-IP rate rule and the managed groups AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet",
            ]);
        }
    });
    it("flags a public Ingress without access logs", async () => {
        const off = edgeIngress("edge", "edge", {
            "alb.ingress.kubernetes.io/load-balancer-attributes": "routing.http2.enabled=true,access_logs.s3.enabled=false",
        });
        const none = edit(edgeIngress(), (p) => delete p.metadata.annotations["alb.ingress.kubernetes.io/load-balancer-attributes"]);
        for (const ingress of [off, none]) {
            assert.deepEqual(await messages(policy, [ingress, webAcl()]), [
                "Ingress edge/edge writes no access logs (access_logs.s3.enabled and access_logs.s3.bucket in load-balancer-attributes)",
            ]);
        }
    });
});
