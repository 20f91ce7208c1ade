// The optional cluster (infra/cluster), planned offline inside the bootstrap stack. @pulumi/eks and
// @pulumi/awsx are multi-language components: the plan sees the component and the args passed to
// it, not the children it makes, so these tests prove the args (docs/bootstrap.md weighs the rest).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { clusterAddons, nodeMetadataOptions, subnetRoleTags } from "../../../infra/cluster/component";
import { nodeRoleName } from "../../../infra/cluster/config";
import { parsePlatformConfig } from "../../../infra/config";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

const root = path.resolve(__dirname, "../../../bootstrap");
const bootstrap = (stack: string) => plan(stack, { root });

describe("infra/cluster: the environment's VPC and EKS", () => {
    it("tags public subnets for internet-facing load balancers, private ones for internal; nodes only in private subnets", async () => {
        const p = await bootstrap("staging");
        const vpc = resource(p, "awsx:ec2:Vpc", "cluster-vpc");
        const specs = vpc.inputs.subnetSpecs as { type: string; tags: Record<string, string> }[];
        // AWS Load Balancer Controller subnet auto-discovery: kubernetes.io/role/elb=1 (public), kubernetes.io/role/internal-elb=1 (private).
        assert.equal(specs.find((s) => s.type === "Public")!.tags["kubernetes.io/role/elb"], "1");
        assert.equal(specs.find((s) => s.type === "Private")!.tags["kubernetes.io/role/internal-elb"], "1");
        assert.deepEqual(subnetRoleTags.public, { "kubernetes.io/role/elb": "1" });
        const nodes = resource(p, "eks:index:ManagedNodeGroup", "cluster-nodes");
        assert.deepEqual(nodes.inputs.subnetIds, at(resource(p, "eks:index:Cluster", "cluster-eks").inputs, "privateSubnetIds"));
        assert.equal(resource(p, "eks:index:Cluster", "cluster-eks").inputs.nodeAssociatePublicIpAddress, false);
    });

    it("EKS with its OIDC provider, API access entries, the VPC CNI enforcing NetworkPolicy", async () => {
        const eks = resource(await bootstrap("production"), "eks:index:Cluster", "cluster-eks");
        assert.equal(eks.inputs.createOidcProvider, true);
        assert.equal(eks.inputs.authenticationMode, "API");
        // @pulumi/eks VpcCniOptions.enableNetworkPolicy: the aws-node network policy agent (default-deny needs it).
        assert.equal(at(eks.inputs, "vpcCniOptions.enableNetworkPolicy"), true);
        assert.equal(eks.inputs.skipDefaultNodeGroup, true);
    });

    it("the node role is the one staging's image pull grant names", async () => {
        const p = await bootstrap("production");
        assert.equal(resource(p, "aws:iam/role:Role", "cluster-node").inputs.name, nodeRoleName("production"));
        const staging = await plan("staging");
        assert.ok((at(staging.config, "images.pullers") as string[]).some((arn) => arn.endsWith(`:role/${nodeRoleName("production")}`)));
        const policies = resourcesOf(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((r) => r.inputs.policyArn);
        assert.ok(policies.includes("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"));
    });

    it("nodes require IMDSv2 with a hop limit of 2, so a pod's controller reaches it where it must", async () => {
        const template = resource(await bootstrap("staging"), "aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes");
        assert.deepEqual(template.inputs.metadataOptions, { ...nodeMetadataOptions });
        assert.equal(at(template.inputs, "metadataOptions.httpPutResponseHopLimit"), 2);
        assert.equal(at(template.inputs, "metadataOptions.httpTokens"), "required");
    });

    it("metrics-server and the EBS CSI driver (with its own IRSA role) as EKS add-ons; a default encrypted gp3 StorageClass", async () => {
        const p = await bootstrap("staging");
        const addons = resourcesOf(p, "aws:eks/addon:Addon").map((a) => a.inputs.addonName);
        assert.deepEqual(addons.sort(), [clusterAddons.ebsCsi, clusterAddons.metricsServer].sort());
        const trust = JSON.parse(String(resource(p, "aws:iam/role:Role", "cluster-ebs-csi").inputs.assumeRolePolicy));
        assert.equal(
            trust.Statement[0].Condition.StringEquals["oidc.eks.eu-west-1.amazonaws.com/id/PLAN0001:sub"],
            "system:serviceaccount:kube-system:ebs-csi-controller-sa",
        );
        const sc = resource(p, "kubernetes:storage.k8s.io/v1:StorageClass", "cluster-gp3");
        assert.equal(at(sc.inputs, "metadata.annotations")["storageclass.kubernetes.io/is-default-class"], "true");
        assert.deepEqual(sc.inputs.parameters, { type: "gp3", encrypted: "true" });
        assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
    });

    it("outputs exactly the platform stack's cluster section, which the platform's schema accepts", async () => {
        const p = await bootstrap("staging");
        const out = p.outputs.platformStackConfig as { kubernetes: { context: string }; cluster: Record<string, unknown> };
        assert.equal(out.kubernetes.context, "arn:aws:eks:eu-west-1:111122223333:cluster/pneumonia-staging");
        const raw = {
            environment: "staging",
            aws: { region: "eu-west-1" },
            detector: { image: "r.test/d:1" },
            edge: { host: "a.test.net", hostedZoneId: "Z0123" },
            ...out,
        };
        assert.equal(
            parsePlatformConfig(raw, "staging").cluster?.oidcProviderArn,
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/PLAN0001",
        );
    });

    it("bring your own: without a cluster section the bootstrap makes no cluster", async () => {
        // Planned under another stack name: the plan cache keys on options, and an undefined override serialises to none.
        const p = await plan("staging", { root, overrides: { cluster: undefined }, stackName: "staging-own-cluster" });
        assert.deepEqual(resourcesOf(p, "pneumonia:cluster:PlatformCluster"), []);
        assert.equal(p.outputs.platformStackConfig, undefined);
    });
});
