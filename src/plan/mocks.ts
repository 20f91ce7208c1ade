// What the offline plan pretends the providers answered: enough computed outputs (ARNs, endpoints,
// digests) for the program to wire resources together, and nothing a real deploy would not know.
import type * as pulumi from "@pulumi/pulumi";

/** The account a stack without one in its config plans in (the AWS documentation's example account). */
export const defaultPlanAccount = "123456789012";

type State = Record<string, unknown>;

const computed: Record<string, (name: string, inputs: State, region: string, account: string) => State> = {
    "aws:s3/bucket:Bucket": (name, inputs) => {
        const bucket = (inputs.bucket as string | undefined) ?? `${inputs.bucketPrefix ?? name}plan0001`;
        return { bucket, arn: `arn:aws:s3:::${bucket}`, id: bucket };
    },
    "aws:kms/key:Key": (name, _inputs, region, account) => ({ arn: `arn:aws:kms:${region}:${account}:key/${name}`, keyId: name }),
    "aws:iam/role:Role": (name, inputs, _region, account) => {
        const roleName = (inputs.name as string | undefined) ?? name;
        return { arn: `arn:aws:iam::${account}:role/${roleName}`, name: roleName };
    },
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs, _region, account) => ({
        arn: `arn:aws:iam::${account}:oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`,
    }),
    "aws:rds/instance:Instance": (name, _inputs, region, account) => {
        const address = `${name}.plan0001.${region}.rds.amazonaws.com`;
        return { address, endpoint: `${address}:5432`, arn: `arn:aws:rds:${region}:${account}:db:${name}` };
    },
    "aws:ecr/repository:Repository": (name, inputs, region, account) => ({
        repositoryUrl: `${account}.dkr.ecr.${region}.amazonaws.com/${inputs.name ?? name}`,
        registryId: account,
        arn: `arn:aws:ecr:${region}:${account}:repository/${inputs.name ?? name}`,
    }),
    "docker:index/image:Image": (_name, inputs) => ({
        repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${"0".repeat(64)}`,
    }),
    "random:index/randomPassword:RandomPassword": (name) => ({ result: `plan-placeholder-${name}` }),
    "aws:acm/certificate:Certificate": (name, inputs, region, account) => ({
        arn: `arn:aws:acm:${region}:${account}:certificate/${name}`,
        domainValidationOptions: [
            {
                domainName: inputs.domainName,
                resourceRecordName: `_plan0001.${inputs.domainName}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: "_plan0001.acm-validations.aws.",
            },
        ],
    }),
    // Multi-language components (infra/cluster): the engine sees only the component, not its
    // children, so the plan answers with the outputs the program reads from it.
    "awsx:ec2:Vpc": () => ({
        vpcId: "vpc-0a1a0000000000001",
        publicSubnetIds: ["a", "b", "c"].map((az) => `subnet-0a1b000000000000${az}`),
        privateSubnetIds: ["a", "b", "c"].map((az) => `subnet-0a1c000000000000${az}`),
    }),
    "eks:index:Cluster": (_name, inputs, region, account) => {
        const issuer = `oidc.eks.${region}.amazonaws.com/id/PLAN0001`;
        return {
            oidcIssuer: issuer,
            oidcProviderUrl: `https://${issuer}`,
            oidcProviderArn: `arn:aws:iam::${account}:oidc-provider/${issuer}`,
            nodeSecurityGroupId: "sg-0a1a0000000000001",
            kubeconfigJson: JSON.stringify({ apiVersion: "v1", kind: "Config", "current-context": inputs.name }),
        };
    },
    "aws:ec2/launchTemplate:LaunchTemplate": () => ({ latestVersion: 1 }),
    "tls:index/privateKey:PrivateKey": (name) => ({ privateKeyPem: `plan-placeholder-${name}` }),
    "tls:index/selfSignedCert:SelfSignedCert": (name) => ({
        certPem: `-----BEGIN CERTIFICATE-----\nplan-placeholder-${name}\n-----END CERTIFICATE-----\n`,
    }),
};

/**
 * `account` is the one the stack's config names (its cluster's OIDC provider), so that bucket names and
 * ARNs in the plan are the ones `pulumi up` creates in that account.
 */
export function mockOutputs(
    args: pulumi.runtime.MockResourceArgs,
    region: string,
    account = defaultPlanAccount,
): { id: string; state: State } {
    const extra = computed[args.type]?.(args.name, args.inputs, region, account) ?? {};
    const name = (args.inputs.name as string | undefined) ?? args.name;
    const arn = args.type.startsWith("aws:") ? { arn: `arn:aws:${args.type.split(/[:/]/)[1]}:${region}:${account}:${name}` } : {};
    const id = (extra.id as string | undefined) ?? `${args.name}-id`;
    return { id, state: { ...arn, ...args.inputs, name, ...extra } };
}

export function mockCall(args: pulumi.runtime.MockCallArgs, region: string, account = defaultPlanAccount): Record<string, unknown> {
    switch (args.token) {
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                userName: "AWS",
                password: "plan-placeholder-token",
                proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
            };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: account, arn: `arn:aws:iam::${account}:user/plan`, userId: "plan" };
        case "aws:elb/getServiceAccount:getServiceAccount":
            return { arn: "arn:aws:iam::156460612806:root", id: "156460612806" };
        case "aws:index/getRegion:getRegion":
            return { name: region, region };
        default:
            return args.inputs;
    }
}
