// Listener semantics from the AWS Load Balancer Controller's annotations.md (v2.17.1): listen-ports
// defaults to [{"HTTP": 80}], ssl-policy to ELBSecurityPolicy-2016-08 (which allows TLS 1.0).
import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edgeIngress } from "../edge-factory";
import { edit, service } from "../factory";

const policy = "kubernetes-public-listener-tls";
const without = (key: string) => edit(edgeIngress(), (p) => delete p.metadata.annotations[`alb.ingress.kubernetes.io/${key}`]);

describe("kubernetes/public-listener-tls", () => {
    it("passes the edge's Ingress: HTTPS with a certificate and TLS 1.2+, HTTP only redirecting", async () => {
        assert.deepEqual(await messages(policy, [edgeIngress(), service("detector")]), []);
    });
    it("flags an Ingress with the controller's default listener (HTTP 80 only)", async () => {
        assert.deepEqual(await messages(policy, [without("listen-ports")]), [
            "Ingress edge/edge is internet-facing without an HTTPS listener",
        ]);
    });
    it("flags an HTTP listener that does not redirect", async () => {
        assert.deepEqual(await messages(policy, [without("ssl-redirect")]), [
            "Ingress edge/edge has an internet-facing HTTP listener that does not redirect to HTTPS (ssl-redirect)",
        ]);
    });
    it("flags HTTPS without a certificate, and the default or an old TLS policy", async () => {
        assert.deepEqual(await messages(policy, [without("certificate-arn")]), [
            "Ingress edge/edge has an HTTPS listener without a certificate (certificate-arn)",
        ]);
        assert.deepEqual(await messages(policy, [without("ssl-policy")]), [
            "Ingress edge/edge uses TLS policy ELBSecurityPolicy-2016-08 (the default), which is not TLS 1.2+ only",
        ]);
        const old = edgeIngress("edge", "edge", { "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS-1-1-2017-01" });
        assert.deepEqual(await messages(policy, [old]), [
            "Ingress edge/edge uses TLS policy ELBSecurityPolicy-TLS-1-1-2017-01, which is not TLS 1.2+ only",
        ]);
    });
    it("flags an internet-facing LoadBalancer Service without a certificate", async () => {
        assert.deepEqual(await messages(policy, [service("detector", { type: "LoadBalancer" })]), [
            "Service pneumonia/detector is internet-facing without a TLS certificate (service.beta.kubernetes.io/aws-load-balancer-ssl-cert)",
        ]);
    });
});
