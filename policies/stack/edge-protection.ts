import * as aws from "@pulumi/aws";
import { stackPolicy } from "../lib/definitions";
import { albAnnotation, isSet, publicEntryOf } from "../lib/public-entry";
import { manual } from "../lib/sources";

export const stackEdgeProtection = stackPolicy<{ managedRuleGroups: string[] }>(
    {
        name: "stack-edge-protection",
        description:
            "Every internet-facing ALB Ingress is associated with an AWS WAF web ACL of the stack (AWS managed common and known-bad-inputs groups, a rate limit per client IP) and writes access logs to S3.",
        severity: "high",
        framework: manual("Security Review: monitor unauthorized access attempts; review access and authentication logs"),
        remediationSteps:
            "Create the edge with edge.waf.enabled (infra/edge): it sets alb.ingress.kubernetes.io/wafv2-acl-arn and access_logs.s3.* in load-balancer-attributes.",
    },
    {
        managedRuleGroups: {
            type: "array",
            items: { type: "string" },
            default: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"],
            description: "AWS managed rule groups the web ACL must evaluate.",
        },
    },
    (args, report, config) => {
        const entries = args.resources.flatMap((r) => {
            const entry = publicEntryOf(r);
            return entry?.kind === "Ingress" ? [{ entry, urn: r.urn }] : [];
        });
        if (entries.length === 0) return;
        const acls = args.resources.filter((r) => r.isType(aws.wafv2.WebAcl));
        const complete = acls.some((acl) => {
            // aws.wafv2.WebAcl rules: the fields read here.
            const rules = (acl.props.rules ?? []) as {
                statement?: { managedRuleGroupStatement?: { name?: string }; rateBasedStatement?: { aggregateKeyType?: string } };
                action?: { block?: unknown };
            }[];
            const groups = rules.map((r) => r.statement?.managedRuleGroupStatement?.name).filter(Boolean);
            const ratePerIp = rules.some(
                (r) => r.statement?.rateBasedStatement?.aggregateKeyType === "IP" && r.action?.block !== undefined,
            );
            return ratePerIp && config.managedRuleGroups.every((g) => groups.includes(g));
        });
        for (const { entry, urn } of entries) {
            if (!isSet(entry.annotations, albAnnotation("wafv2-acl-arn")))
                report(`${entry.description} is internet-facing without a WAF web ACL (wafv2-acl-arn)`, urn);
            else if (!complete) {
                report(
                    `${entry.description}: no web ACL in the stack has a per-IP rate rule and the managed groups ${config.managedRuleGroups.join(", ")}`,
                    urn,
                );
            }
            const attributes = entry.annotations[albAnnotation("load-balancer-attributes")];
            if (typeof attributes === "string") {
                const set = Object.fromEntries(attributes.split(",").map((kv) => kv.trim().split("=", 2)));
                if (set["access_logs.s3.enabled"] !== "true" || !set["access_logs.s3.bucket"]) {
                    report(
                        `${entry.description} writes no access logs (access_logs.s3.enabled and access_logs.s3.bucket in load-balancer-attributes)`,
                        urn,
                    );
                }
            } else if (attributes === undefined) {
                report(
                    `${entry.description} writes no access logs (access_logs.s3.enabled and access_logs.s3.bucket in load-balancer-attributes)`,
                    urn,
                );
            }
        }
    },
);
