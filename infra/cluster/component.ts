// A cluster the platform can run on, from maintained components: a VPC (@pulumi/awsx) with public
// subnets tagged for internet-facing load balancers and private subnets for nodes, and EKS
// (@pulumi/eks) with its IAM OIDC provider (IRSA), a managed node group, the VPC CNI enforcing
// NetworkPolicy (the platform's default-deny isolation depends on it), metrics-server (HPA, VPA),
// the EBS CSI driver and a default encrypted gp3 StorageClass.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../platform/cluster";
import { nodeRoleName, type ClusterCreateConfig } from "./config";

/** Subnet tags the AWS Load Balancer Controller discovers subnets by (its docs, "Subnet auto-discovery"). */
export const subnetRoleTags = { public: { "kubernetes.io/role/elb": "1" }, private: { "kubernetes.io/role/internal-elb": "1" } } as const;

/** IMDSv2 only; 2 hops so that a pod's request (one hop through the pod network) still reaches it where a controller must. */
export const nodeMetadataOptions = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 } as const;

/** EKS add-ons beyond the CNI (which @pulumi/eks manages with vpcCniOptions). */
export const clusterAddons = { metricsServer: "metrics-server", ebsCsi: "aws-ebs-csi-driver" } as const;

export interface PlatformClusterArgs {
    environment: "staging" | "production";
    accountId: string;
    region: string;
    config: ClusterCreateConfig;
    tags: Record<string, string>;
}

export class PlatformCluster extends pulumi.ComponentResource {
    /** Exactly the platform stack's `cluster` and `kubernetes.context` values. */
    public readonly stackConfig: pulumi.Output<{ kubernetes: { context: string }; cluster: ClusterConfig }>;

    constructor(name: string, args: PlatformClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:cluster:PlatformCluster", name, {}, opts);
        const child = { parent: this };
        const clusterName = `pneumonia-${args.environment}`;
        const production = args.environment === "production";

        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.config.cidrBlock,
                numberOfAvailabilityZones: 3,
                // Production loses no zone's egress with its NAT; staging shares one.
                natGateways: { strategy: production ? "OnePerAz" : "Single" },
                subnetStrategy: "Auto",
                subnetSpecs: [
                    { type: "Public", cidrMask: 22, tags: { ...args.tags, ...subnetRoleTags.public } },
                    { type: "Private", cidrMask: 19, tags: { ...args.tags, ...subnetRoleTags.private } },
                ],
                tags: args.tags,
            },
            child,
        );

        const nodeRole = new aws.iam.Role(
            `${name}-node`,
            {
                name: nodeRoleName(args.environment),
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags: args.tags,
            },
            child,
        );
        // EKS's documented node policies; ECR read-only is the node side of the registry's cross-account pull grant.
        for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"]) {
            new aws.iam.RolePolicyAttachment(
                `${name}-node-${policy}`,
                { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
                child,
            );
        }

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: clusterName,
                version: args.config.kubernetesVersion,
                vpcId: vpc.vpcId,
                publicSubnetIds: vpc.publicSubnetIds,
                privateSubnetIds: vpc.privateSubnetIds,
                nodeAssociatePublicIpAddress: false,
                authenticationMode: eks.AuthenticationMode.Api,
                createOidcProvider: true,
                skipDefaultNodeGroup: true,
                instanceRoles: [nodeRole],
                vpcCniOptions: { enableNetworkPolicy: true },
                // The default StorageClass is declared below (gp3, encrypted), not eks' gp2.
                storageClasses: {},
                enabledClusterLogTypes: ["api", "audit", "authenticator"],
                tags: args.tags,
            },
            child,
        );

        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-nodes`,
            { metadataOptions: nodeMetadataOptions, tagSpecifications: [{ resourceType: "instance", tags: args.tags }], tags: args.tags },
            child,
        );
        new eks.ManagedNodeGroup(
            `${name}-nodes`,
            {
                cluster,
                nodeRole,
                subnetIds: vpc.privateSubnetIds,
                instanceTypes: args.config.instanceTypes,
                scalingConfig: { minSize: args.config.nodes.min, desiredSize: args.config.nodes.desired, maxSize: args.config.nodes.max },
                launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
                tags: args.tags,
            },
            child,
        );

        // By name, after the cluster: the component's children are not visible to this program (a multi-language component).
        const afterCluster = { ...child, dependsOn: [cluster] };
        new aws.eks.Addon(`${name}-metrics-server`, { clusterName, addonName: clusterAddons.metricsServer, tags: args.tags }, afterCluster);
        const issuer = cluster.oidcIssuer;
        const ebsRole = new aws.iam.Role(
            `${name}-ebs-csi`,
            {
                assumeRolePolicy: pulumi.all([cluster.oidcProviderArn, issuer]).apply(([arn, url]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Federated: arn },
                                Action: "sts:AssumeRoleWithWebIdentity",
                                Condition: {
                                    StringEquals: {
                                        [`${url}:sub`]: "system:serviceaccount:kube-system:ebs-csi-controller-sa",
                                        [`${url}:aud`]: "sts.amazonaws.com",
                                    },
                                },
                            },
                        ],
                    }),
                ),
                tags: args.tags,
            },
            child,
        );
        // The managed policy tags the volumes it creates (ec2:CreateTags on CreateVolume), which the metrics-snapshot DLM policy selects.
        new aws.iam.RolePolicyAttachment(
            `${name}-ebs-csi`,
            { role: ebsRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" },
            child,
        );
        new aws.eks.Addon(
            `${name}-ebs-csi`,
            { clusterName, addonName: clusterAddons.ebsCsi, serviceAccountRoleArn: ebsRole.arn, tags: args.tags },
            afterCluster,
        );

        new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: { name: "gp3-encrypted", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true" },
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            { ...child, provider: new k8s.Provider(`${name}-kubernetes`, { kubeconfig: cluster.kubeconfigJson }, child) },
        );

        this.stackConfig = pulumi
            .all([cluster.oidcProviderArn, issuer, vpc.vpcId, vpc.privateSubnetIds, cluster.nodeSecurityGroupId])
            .apply(([oidcProviderArn, oidcIssuer, vpcId, privateSubnetIds, nodeSecurityGroupId]) => ({
                // The context `aws eks update-kubeconfig` names: the cluster's ARN.
                kubernetes: { context: `arn:aws:eks:${args.region}:${args.accountId}:cluster/${clusterName}` },
                cluster: {
                    name: clusterName,
                    oidcProviderArn,
                    oidcIssuer: oidcIssuer.replace(/^https:\/\//, ""),
                    vpcId,
                    privateSubnetIds: [...privateSubnetIds],
                    nodeSecurityGroupId,
                },
            }));
        this.registerOutputs({ stackConfig: this.stackConfig });
    }
}
