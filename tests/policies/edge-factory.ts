// Builders for the edge's policy fixtures: the front door's Ingress and web ACL as the platform
// renders them (infra/edge/load-balancer.ts). Tests break one property at a time with `edit`.
import type { InputResource } from "../../src/policy/evaluate";
import { resource } from "./factory";

export function edgeIngress(name = "edge", namespace = "edge", annotations: Record<string, string> = {}): InputResource {
    return resource("kubernetes:networking.k8s.io/v1:Ingress", name, {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: {
            name,
            namespace,
            annotations: {
                "alb.ingress.kubernetes.io/scheme": "internet-facing",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP":80},{"HTTPS":443}]',
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
                "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:123456789012:certificate/edge",
                "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "alb.ingress.kubernetes.io/wafv2-acl-arn": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/edge/1",
                "alb.ingress.kubernetes.io/load-balancer-attributes":
                    "routing.http2.enabled=true,access_logs.s3.enabled=true,access_logs.s3.bucket=edge-access-logs-123456789012-test,access_logs.s3.prefix=edge",
                ...annotations,
            },
        },
        spec: {
            ingressClassName: "alb",
            rules: [
                {
                    host: "api.example.org",
                    http: {
                        paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "edge-envoy", port: { number: 443 } } } }],
                    },
                },
            ],
        },
    });
}

export function webAcl(): InputResource {
    const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });
    return resource("aws:wafv2/webAcl:WebAcl", "edge", {
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        visibilityConfig: visibility("edge"),
        rules: [
            {
                name: "rate",
                priority: 0,
                action: { block: {} },
                statement: { rateBasedStatement: { limit: 1000, aggregateKeyType: "IP" } },
                visibilityConfig: visibility("rate"),
            },
            ...["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"].map((name, i) => ({
                name,
                priority: i + 1,
                overrideAction: { none: {} },
                statement: { managedRuleGroupStatement: { vendorName: "AWS", name } },
                visibilityConfig: visibility(name),
            })),
        ],
    });
}
