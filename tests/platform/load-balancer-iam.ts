// The AWS Load Balancer Controller's role against the controller's own published policy: every request
// that policy allows (its action, a concrete resource its Resource matches, a context meeting its
// Condition), except for features the platform does not use (each excluded action named, with why),
// evaluated with the project's IAM evaluator (tests/helpers/iam-policy.ts).
// Upstream: kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json at v2.17.1
// (the controller chart 1.17.1 runs; identical at v2.17.0), kept verbatim as
// fixtures/aws-load-balancer-controller-v2.17.1-iam_policy.json.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { list, statementsOf, wildcardMatches } from "../../policies/lib/iam";
import { decide, type Request } from "../helpers/iam-policy";
import type { RenderedPlatform } from "./render";

export const upstreamPolicy = JSON.parse(
    readFileSync(join(__dirname, "fixtures/aws-load-balancer-controller-v2.17.1-iam_policy.json"), "utf8"),
);

/** Upstream actions for features the edge does not use (one ALB, ACM, WAFv2, IP targets). */
const unusedFeatures: Array<{ actions: string[]; why: string }> = [
    { actions: ["cognito-idp:*"], why: "no Cognito authentication on the ALB: the gateway checks API keys" },
    { actions: ["waf-regional:*"], why: "WAF Classic: the web ACL is WAFv2" },
    { actions: ["shield:*"], why: "no Shield Advanced subscription" },
    { actions: ["iam:ListServerCertificates", "iam:GetServerCertificate"], why: "certificates come from ACM" },
    { actions: ["ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools"], why: "no Outposts customer-owned IP pools" },
    { actions: ["ec2:DescribeIpamPools", "elasticloadbalancing:ModifyIpPools"], why: "no IPAM pools" },
    { actions: ["ec2:DescribeVpcPeeringConnections"], why: "not called anywhere in the v2.17.1 source tree" },
    {
        actions: ["elasticloadbalancing:ModifyCapacityReservation"],
        why: "only with the minimum-load-balancer-capacity annotation, which the edge does not set",
    },
];
/** Network Load Balancer ARNs: the edge's only load balancer is an ALB. */
const unusedResource = (arn: string) => /:(loadbalancer|listener|listener-rule)\/net\//.test(arn);

export const account = "111122223333";
export const role = `arn:aws:iam::${account}:role/edge-load-balancer-controller`;
const clusterTag = "aws:ResourceTag/elbv2.k8s.aws/cluster";
/**
 * What each service's actions act on, for upstream statements on "*". A security group may be one
 * the controller does not own: with the VPC CNI, IP targets sit behind the node (or cluster)
 * security group, which carries no cluster tag. Every load balancer it changes it created, with
 * the cluster tag (CreateLoadBalancer requires the tag on the request).
 */
export const samples: Record<string, { arn: string; tags: Record<string, string> }> = {
    ec2: { arn: `arn:aws:ec2:eu-west-1:${account}:security-group/sg-0a1b2c3d4e5f60718`, tags: {} },
    elasticloadbalancing: {
        arn: `arn:aws:elasticloadbalancing:eu-west-1:${account}:loadbalancer/app/k8s-edge-edge-0a1b2c3d4e/50dc6c495c0c9188`,
        tags: { [clusterTag]: "pneumonia-production" },
    },
};

/** A concrete resource an upstream Resource pattern matches (`*` filled in), with the tags it carries. */
function concrete(pattern: string, action: string): { arn: string; tags: Record<string, string> } {
    const service = action.split(":")[0]!;
    if (pattern === "*") return samples[service] ?? { arn: `arn:aws:${service}:eu-west-1:${account}:any`, tags: {} };
    return { arn: pattern.replace(/:\*:\*:/, `:eu-west-1:${account}:`).replace(/\*/g, "sample"), tags: {} };
}

/** A request context meeting an upstream Condition (the operators iam_policy.json uses). */
function contextFor(condition: Record<string, Record<string, unknown>> | undefined): Record<string, string> {
    const context: Record<string, string> = {};
    for (const [operator, entries] of Object.entries(condition ?? {})) {
        for (const [key, value] of Object.entries(entries)) {
            if (operator === "Null") {
                if (value === "false") context[key] = "pneumonia-production";
            } else if (operator === "StringEquals") {
                context[key] = list(value as string | string[])[0]!;
            } else throw new Error(`upstream condition operator ${operator} is not modelled`);
        }
    }
    return context;
}

/** Every request upstream's policy allows, as one line naming it, with the request. */
export function upstreamRequests(): Array<{ name: string; request: Request }> {
    const requests: Array<{ name: string; request: Request }> = [];
    for (const statement of statementsOf(upstreamPolicy)) {
        assert.equal(statement.Effect, "Allow");
        for (const action of list(statement.Action)) {
            if (unusedFeatures.some((f) => f.actions.some((a) => wildcardMatches(a, action)))) continue;
            for (const pattern of list(statement.Resource)) {
                const { arn, tags: resourceTags } = concrete(pattern, action);
                if (unusedResource(arn)) continue;
                const context = { ...resourceTags, ...contextFor(statement.Condition) };
                const tags =
                    Object.keys(context)
                        .filter((k) => k.includes("Tag/"))
                        .join(", ") || "no tags";
                requests.push({
                    name: `${action} on ${arn.split(":").slice(5).join(":")} (${tags})`,
                    request: { action, principalArn: role, principalAccount: account, resourceAccount: account, resource: arn, context },
                });
            }
        }
    }
    return requests;
}

export interface ControllerIamCheck {
    /** False where the stack has no AWS load balancer (local). */
    applies: boolean;
    requests: number;
    findings: string[];
}

/** Every upstream request the planned role denies. */
export function checkLoadBalancerControllerIam(platform: RenderedPlatform): ControllerIamCheck {
    const policy = platform.plan.resources.find(
        (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "edge-load-balancer-controller",
    )?.inputs.policy;
    if (policy === undefined) return { applies: false, requests: 0, findings: [] };
    const requests = upstreamRequests();
    const findings = requests
        .filter((r) => decide(policy, r.request, false) !== "allow")
        .map((r) => `the LB controller's role denies ${r.name}, which upstream's policy allows`);
    return { applies: true, requests: requests.length, findings };
}
