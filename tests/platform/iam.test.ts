// IAM: the AWS Load Balancer Controller's role allows every request the controller's own published
// policy allows, except for features the platform does not use (tests/platform/load-balancer-iam.ts
// derives the requests and names each exclusion). Upstream: kubernetes-sigs/aws-load-balancer-controller
// docs/install/iam_policy.json at v2.17.1, kept verbatim as fixtures/aws-load-balancer-controller-v2.17.1-iam_policy.json.
import { strict as assert } from "node:assert";
import { loadBalancerControllerChart } from "../../infra/platform/charts";
import { statementsOf } from "../../policies/lib/iam";
import { decide, type Request } from "../helpers/iam-policy";
import { plan, resource } from "../helpers/plan";
import { account, checkLoadBalancerControllerIam, role, samples, upstreamPolicy, upstreamRequests } from "./load-balancer-iam";
import { renderPlatform } from "./render";

async function controllerPolicy(stack: string): Promise<unknown> {
    return resource(await plan(stack), "aws:iam/rolePolicy:RolePolicy", "edge-load-balancer-controller").inputs.policy;
}

describe("platform: IAM of the AWS Load Balancer Controller", () => {
    it("is compared with the policy of the controller the chart runs", () => {
        assert.equal(
            loadBalancerControllerChart.version,
            "1.17.1",
            "chart 1.17.1 runs controller v2.17.1: refresh the fixture with the chart",
        );
    });

    it("finds issue 21 finding 3: opening the pods' (untagged) node security group must be allowed", () => {
        const narrowed = {
            Statement: [
                {
                    Effect: "Allow",
                    Action: ["ec2:AuthorizeSecurityGroupIngress"],
                    Resource: "*",
                    Condition: { Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } },
                },
            ],
        };
        const nodeGroup = upstreamRequests().find(
            (r) => r.name === `ec2:AuthorizeSecurityGroupIngress on ${samples.ec2!.arn.split(":").slice(5).join(":")} (no tags)`,
        );
        assert.ok(nodeGroup, "upstream grants AuthorizeSecurityGroupIngress on any security group");
        assert.equal(decide(narrowed, nodeGroup.request, false), "implicit-deny");
        assert.equal(decide(upstreamPolicy, nodeGroup.request, false), "allow");
    });

    for (const stack of ["staging", "production"]) {
        it(`allows every request upstream's policy allows for an ALB with IP targets (${stack})`, async () => {
            assert.ok(upstreamRequests().length > 40, "requests derived from every upstream statement");
            const check = checkLoadBalancerControllerIam(await renderPlatform(stack));
            assert.equal(check.applies, true);
            assert.deepEqual(check.findings, []);
        });
    }

    it("still refuses what upstream scopes to the controller's own resources", async () => {
        const policy = await controllerPolicy("production");
        const foreign = (action: string, resourceArn: string): Request => ({
            action,
            principalArn: role,
            principalAccount: account,
            resourceAccount: account,
            resource: resourceArn,
            context: {},
        });
        assert.equal(decide(policy, foreign("ec2:DeleteSecurityGroup", samples.ec2!.arn), false), "implicit-deny");
        assert.equal(
            decide(policy, foreign("elasticloadbalancing:DeleteLoadBalancer", samples.elasticloadbalancing!.arn), false),
            "implicit-deny",
        );
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
            const release = p.resources.find(
                (r) => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as { name?: string }).name === "loki",
            )!.inputs as any;
            assert.equal(release.values.loki.storage.type, "s3");
            const buckets = Object.values(release.values.loki.storage.bucketNames) as string[];
            assert.ok(buckets.length > 0);
            const policy = resource(p, "aws:iam/rolePolicy:RolePolicy", "loki").inputs.policy;
            const request = (action: string, arn: string): Request => ({
                action,
                principalArn: `arn:aws:iam::${account}:role/loki`,
                principalAccount: account,
                resourceAccount: account,
                resource: arn,
            });
            const denied = buckets
                .flatMap((bucket) => [
                    request("s3:ListBucket", `arn:aws:s3:::${bucket}`),
                    ...["s3:PutObject", "s3:GetObject", "s3:DeleteObject"].map((a) =>
                        request(a, `arn:aws:s3:::${bucket}/index/index_20000/chunk`),
                    ),
                ])
                .filter((r) => decide(policy, r, false) !== "allow");
            assert.deepEqual(
                denied.map((r) => `${r.action} ${r.resource}`),
                [],
            );
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
        assert.equal(
            resource(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "monitoring-dlm").inputs.policyArn,
            "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
        );
        const trust = statementsOf(resource(p, "aws:iam/role:Role", "monitoring-dlm").inputs.assumeRolePolicy);
        assert.deepEqual(
            trust.map((t) => [t.Effect, t.Principal, t.Action]),
            [["Allow", { Service: "dlm.amazonaws.com" }, "sts:AssumeRole"]],
        );
    });
});
