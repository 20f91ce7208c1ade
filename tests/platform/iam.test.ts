// IAM: the AWS Load Balancer Controller's role allows every request the controller's own published
// policy allows, except for features the platform does not use (each excluded action named below,
// with why). Requests are derived from each statement of the upstream policy (its action, a concrete
// resource its Resource matches, a context that meets its Condition) and evaluated against the
// role's planned inline policy with the project's IAM evaluator (tests/helpers/iam-policy.ts).
// Upstream: kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json at v2.17.1
// (the controller chart 1.17.1 runs; identical at v2.17.0), kept verbatim as
// fixtures/aws-load-balancer-controller-v2.17.1-iam_policy.json.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadBalancerControllerChart } from "../../infra/platform/charts";
import { list, statementsOf, wildcardMatches } from "../../policies/lib/iam";
import { decide, type Request } from "../helpers/iam-policy";
import { plan, resource } from "../helpers/plan";

const upstreamPolicy = JSON.parse(readFileSync(join(__dirname, "fixtures/aws-load-balancer-controller-v2.17.1-iam_policy.json"), "utf8"));

/** Upstream actions for features the edge does not use (one ALB, ACM, WAFv2, IP targets). */
const unusedFeatures: Array<{ actions: string[]; why: string }> = [
    { actions: ["cognito-idp:*"], why: "no Cognito authentication on the ALB: the gateway checks API keys" },
    { actions: ["waf-regional:*"], why: "WAF Classic: the web ACL is WAFv2" },
    { actions: ["shield:*"], why: "no Shield Advanced subscription" },
    { actions: ["iam:ListServerCertificates", "iam:GetServerCertificate"], why: "certificates come from ACM" },
    { actions: ["ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools"], why: "no Outposts customer-owned IP pools" },
    { actions: ["ec2:DescribeIpamPools", "elasticloadbalancing:ModifyIpPools"], why: "no IPAM pools" },
    { actions: ["ec2:DescribeVpcPeeringConnections"], why: "not called anywhere in the v2.17.1 source tree" },
    { actions: ["elasticloadbalancing:ModifyCapacityReservation"], why: "only with the minimum-load-balancer-capacity annotation, which the edge does not set" },
];
/** Network Load Balancer ARNs: the edge's only load balancer is an ALB. */
const unusedResource = (arn: string) => /:(loadbalancer|listener|listener-rule)\/net\//.test(arn);

const account = "111122223333";
const role = `arn:aws:iam::${account}:role/edge-load-balancer-controller`;
const clusterTag = "aws:ResourceTag/elbv2.k8s.aws/cluster";
/**
 * What each service's actions act on, for upstream statements on "*". A security group may be one
 * the controller does not own: with the VPC CNI, IP targets sit behind the node (or cluster)
 * security group, which carries no cluster tag. Every load balancer it changes it created, with
 * the cluster tag (CreateLoadBalancer requires the tag on the request).
 */
const samples: Record<string, { arn: string; tags: Record<string, string> }> = {
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
function upstreamRequests(): Array<{ name: string; request: Request }> {
    const requests: Array<{ name: string; request: Request }> = [];
    for (const statement of statementsOf(upstreamPolicy)) {
        assert.equal(statement.Effect, "Allow");
        for (const action of list(statement.Action)) {
            if (unusedFeatures.some((f) => f.actions.some((a) => wildcardMatches(a, action)))) continue;
            for (const pattern of list(statement.Resource)) {
                const { arn, tags: resourceTags } = concrete(pattern, action);
                if (unusedResource(arn)) continue;
                const context = { ...resourceTags, ...contextFor(statement.Condition) };
                const tags = Object.keys(context).filter((k) => k.includes("Tag/")).join(", ") || "no tags";
                requests.push({
                    name: `${action} on ${arn.split(":").slice(5).join(":")} (${tags})`,
                    request: { action, principalArn: role, principalAccount: account, resourceAccount: account, resource: arn, context },
                });
            }
        }
    }
    return requests;
}

async function controllerPolicy(stack: string): Promise<unknown> {
    return resource(await plan(stack), "aws:iam/rolePolicy:RolePolicy", "edge-load-balancer-controller").inputs.policy;
}

describe("platform: IAM of the AWS Load Balancer Controller", () => {
    it("is compared with the policy of the controller the chart runs", () => {
        assert.equal(loadBalancerControllerChart.version, "1.17.1", "chart 1.17.1 runs controller v2.17.1: refresh the fixture with the chart");
    });

    it("finds issue 21 finding 3: opening the pods' (untagged) node security group must be allowed", () => {
        const narrowed = {
            Statement: [{ Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress"], Resource: "*", Condition: { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } } }],
        };
        const nodeGroup = upstreamRequests().find((r) => r.name === `ec2:AuthorizeSecurityGroupIngress on ${samples.ec2!.arn.split(":").slice(5).join(":")} (no tags)`);
        assert.ok(nodeGroup, "upstream grants AuthorizeSecurityGroupIngress on any security group");
        assert.equal(decide(narrowed, nodeGroup.request, false), "implicit-deny");
        assert.equal(decide(upstreamPolicy, nodeGroup.request, false), "allow");
    });

    for (const stack of ["staging", "production"]) {
        it(`allows every request upstream's policy allows for an ALB with IP targets (${stack})`, async () => {
            const policy = await controllerPolicy(stack);
            const requests = upstreamRequests();
            assert.ok(requests.length > 40, `only ${requests.length} requests derived`);
            const denied = requests.filter((r) => decide(policy, r.request, false) !== "allow").map((r) => r.name);
            assert.deepEqual(denied, []);
        });
    }

    it("still refuses what upstream scopes to the controller's own resources", async () => {
        const policy = await controllerPolicy("production");
        const foreign = (action: string, resourceArn: string): Request => ({ action, principalArn: role, principalAccount: account, resourceAccount: account, resource: resourceArn, context: {} });
        assert.equal(decide(policy, foreign("ec2:DeleteSecurityGroup", samples.ec2!.arn), false), "implicit-deny");
        assert.equal(decide(policy, foreign("elasticloadbalancing:DeleteLoadBalancer", samples.elasticloadbalancing!.arn), false), "implicit-deny");
        assert.equal(decide(policy, foreign("ec2:CreateTags", samples.ec2!.arn), false), "implicit-deny");
    });
});

// Loki's role: the actions Grafana's guide "Deploy the Loki Helm chart on AWS"
// (grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws, LokiS3AccessPolicy) grants:
// s3:ListBucket on the bucket, s3:PutObject/GetObject/DeleteObject on its objects, for every bucket
// Loki's storage values name. VPA, Alloy and the policy-controller call no AWS API (no IRSA role).
describe("platform: IAM of Loki", () => {
    for (const stack of ["staging", "production"]) {
        it(`allows Loki the S3 actions its AWS guide requires on the buckets it is configured with (${stack})`, async () => {
            const p = await plan(stack);
            const release = p.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as { name?: string }).name === "loki")!.inputs as any;
            assert.equal(release.values.loki.storage.type, "s3");
            const buckets = Object.values(release.values.loki.storage.bucketNames) as string[];
            assert.ok(buckets.length > 0);
            const policy = resource(p, "aws:iam/rolePolicy:RolePolicy", "loki").inputs.policy;
            const request = (action: string, arn: string): Request => ({ action, principalArn: `arn:aws:iam::${account}:role/loki`, principalAccount: account, resourceAccount: account, resource: arn });
            const denied = buckets.flatMap((bucket) => [
                request("s3:ListBucket", `arn:aws:s3:::${bucket}`),
                ...["s3:PutObject", "s3:GetObject", "s3:DeleteObject"].map((a) => request(a, `arn:aws:s3:::${bucket}/index/index_20000/chunk`)),
            ]).filter((r) => decide(policy, r, false) !== "allow");
            assert.deepEqual(denied.map((r) => `${r.action} ${r.resource}`), []);
            assert.equal(decide(policy, request("s3:GetObject", "arn:aws:s3:::another-bucket/x"), false), "implicit-deny");
        });
    }
});

// DLM's execution role for EBS snapshot policies: the AWS managed policy AWS documents for it
// (docs.aws.amazon.com/ebs/latest/userguide/service-role.html, "AWSDataLifecycleManagerServiceRole"),
// assumable by dlm.amazonaws.com.
describe("platform: IAM of Data Lifecycle Manager", () => {
    it("runs the Prometheus snapshots with the managed policy AWS documents for snapshot policies", async () => {
        const p = await plan("production");
        assert.equal(resource(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-dlm").inputs.policyArn, "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole");
        const trust = statementsOf(resource(p, "aws:iam/role:Role", "monitoring-dlm").inputs.assumeRolePolicy);
        assert.deepEqual(trust.map((t) => [t.Effect, t.Principal, t.Action]), [["Allow", { Service: "dlm.amazonaws.com" }, "sts:AssumeRole"]]);
    });
});
