// The bootstrap program: once per AWS account, what the platform stacks need before their first
// `pulumi up` and cannot create themselves. Outputs are exactly the values their config and the
// workflows need (docs/bootstrap.md shows how they flow in).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PlatformCluster } from "../infra/cluster/component";
import { SecureBucket, logBucketSettings } from "../infra/platform/bucket";
import { secretsProviderFor } from "../src/preflight/offline";
import { loadBootstrapConfig } from "./config";
import { deployServices } from "./deploy-services";
import { githubIssuerHost, githubAudience, githubTrustPolicy } from "./github-trust";

export = async () => {
    const config = loadBootstrapConfig();
    const { environment, repository, accountId, registry } = config;
    const region = config.aws.region;
    const tags = { project: "pneumonia-platform", environment, stack: pulumi.getStack(), "managed-by": "pulumi", component: "bootstrap" };
    // Refuses to run with another account's credentials: a bootstrap in the wrong account is the costliest mistake here.
    const provider = new aws.Provider("aws", { region, allowedAccountIds: [accountId], defaultTags: { tags } });
    const opts = { provider };
    const protect = { ...opts, protect: true };

    // The secrets provider of the platform stack: awskms://alias/pulumi-pneumonia-<environment>.
    const secretsKey = new aws.kms.Key(
        "secrets",
        {
            description: `Encrypts the pneumonia-${environment} stack's secrets (Pulumi awskms:// provider)`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        },
        protect,
    );
    const secretsAlias = new aws.kms.Alias(
        "secrets",
        { name: `alias/pulumi-pneumonia-${environment}`, targetKeyId: secretsKey.keyId },
        opts,
    );

    // Pulumi state: versioned, KMS-encrypted, TLS-only, no public access (SecureBucket), access-logged.
    const state = new SecureBucket("state", { purpose: "pulumi-state", tags, protect: true }, opts);
    const logs = new aws.s3.Bucket("state-access-logs", { bucketPrefix: "pulumi-state-access-logs-" }, protect);
    const logsReady = logBucketSettings("state-access-logs", logs, logs, {
        writers: [
            {
                Sid: "S3ServerAccessLogsFromTheStateBucket",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${logs.arn}/state/*`,
                Condition: { ArnLike: { "aws:SourceArn": state.arn }, StringEquals: { "aws:SourceAccount": accountId } },
            },
        ],
        expirationDays: 365,
    });
    new aws.s3.BucketLogging(
        "state",
        { bucket: state.bucket, targetBucket: logs.bucket, targetPrefix: "state/" },
        { ...opts, dependsOn: [...state.ready, ...logsReady] },
    );

    const githubProviderArn =
        config.githubOidcProviderArn ??
        new aws.iam.OpenIdConnectProvider(
            "github-actions",
            { url: `https://${githubIssuerHost}`, clientIdLists: [githubAudience] },
            protect,
        ).arn;
    const ciRole = (name: string, description: string) =>
        new aws.iam.Role(
            name,
            {
                name: `pneumonia-${environment}-${name}`,
                description,
                assumeRolePolicy: pulumi
                    .output(githubProviderArn)
                    .apply((arn) => JSON.stringify(githubTrustPolicy(arn, repository, environment))),
                maxSessionDuration: 3600,
            },
            opts,
        );

    // Deploy: what `pulumi up` of this environment's stack needs, service by service (deploy-services.ts).
    const deploy = ciRole("deploy", `GitHub Actions of ${repository}, environment ${environment}: pulumi up of the platform stack`);
    new aws.iam.RolePolicy(
        "deploy",
        {
            role: deploy.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "PlatformServices", Effect: "Allow", Action: deployServices[environment].map((s) => `${s}:*`), Resource: "*" },
                    {
                        Sid: "State",
                        Effect: "Allow",
                        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                        Resource: [state.arn, pulumi.interpolate`${state.arn}/*`],
                    },
                    {
                        Sid: "StateKey",
                        Effect: "Allow",
                        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"],
                        Resource: [state.kmsKeyArn, secretsKey.arn],
                    },
                    {
                        Sid: "Kubeconfig",
                        Effect: "Allow",
                        Action: ["eks:DescribeCluster"],
                        Resource: `arn:aws:eks:${region}:${accountId}:cluster/pneumonia-${environment}`,
                    },
                    // The bootstrap's own footing stays out of reach of the stack it serves.
                    {
                        Sid: "NotTheBootstrap",
                        Effect: "Deny",
                        Action: [
                            "iam:*",
                            "kms:ScheduleKeyDeletion",
                            "kms:DisableKey",
                            "kms:PutKeyPolicy",
                            "s3:DeleteBucket",
                            "s3:PutBucketPolicy",
                        ],
                        Resource: [
                            ...["deploy", "push", "promote"].map((n) => `arn:aws:iam::${accountId}:role/pneumonia-${environment}-${n}`),
                            githubProviderArn,
                            secretsKey.arn,
                            state.kmsKeyArn,
                            state.arn,
                        ],
                    },
                    {
                        Sid: "NoLongLivedCredentials",
                        Effect: "Deny",
                        Action: ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"],
                        Resource: "*",
                    },
                ],
            }),
        },
        opts,
    );

    // Promote: `npm run promote` assumes it from the deploy role's session to read and tag (registry) or pull (production) a digest.
    const promote = new aws.iam.Role(
        "promote",
        {
            name: `pneumonia-${environment}-promote`,
            description: `Assumed by the ${environment} deploy role for npm run promote`,
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: deploy.arn }, Action: "sts:AssumeRole" }],
            }),
        },
        opts,
    );
    const registryAccount = registry ? accountId : config.registryAccountId!;
    const repositories = `arn:aws:ecr:${region}:${registryAccount}:repository/pneumonia-*`;
    new aws.iam.RolePolicy(
        "promote",
        {
            role: promote.id,
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                    {
                        Sid: "ReadDigest",
                        Effect: "Allow",
                        Action: [
                            "ecr:DescribeImages",
                            "ecr:DescribeImageScanFindings",
                            "ecr:BatchGetImage",
                            "ecr:GetDownloadUrlForLayer",
                            "ecr:BatchCheckLayerAvailability",
                        ],
                        Resource: repositories,
                    },
                    ...(registry ? [{ Sid: "TagPromoted", Effect: "Allow", Action: ["ecr:PutImage"], Resource: repositories }] : []),
                ],
            }),
        },
        opts,
    );

    // The registry's CI: build, push and sign images, read their scans; nothing else.
    const push = registry ? ciRole("push", `GitHub Actions of ${repository}, environment ${environment}: push and scan images`) : undefined;
    if (push) {
        new aws.iam.RolePolicy(
            "push",
            {
                role: push.id,
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Sid: "RegistryLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                        {
                            Sid: "PushAndScan",
                            Effect: "Allow",
                            Action: [
                                "ecr:BatchCheckLayerAvailability",
                                "ecr:InitiateLayerUpload",
                                "ecr:UploadLayerPart",
                                "ecr:CompleteLayerUpload",
                                "ecr:PutImage",
                                "ecr:BatchGetImage",
                                "ecr:GetDownloadUrlForLayer",
                                "ecr:DescribeImages",
                                "ecr:DescribeImageScanFindings",
                            ],
                            Resource: repositories,
                        },
                    ],
                }),
            },
            opts,
        );
    }

    const cluster = config.cluster
        ? new PlatformCluster(
              "cluster",
              { environment, accountId, region, config: config.cluster, tags: { ...tags, component: "cluster" } },
              opts,
          )
        : undefined;

    return {
        /** With a cluster: the platform stack's kubernetes.context and cluster section, exactly. */
        ...(cluster ? { platformStackConfig: cluster.stackConfig } : {}),
        /** `pulumi login` for the platform stacks. */
        backendUrl: pulumi.interpolate`s3://${state.bucket}/pneumonia-platform`,
        /** `pulumi stack init --secrets-provider` for the platform stack. */
        secretsProvider: secretsProviderFor(environment, region),
        secretsKeyAlias: secretsAlias.name,
        githubOidcProviderArn: githubProviderArn,
        /** Repository variables of the GitHub environment (docs/operations.md): the roles the workflows assume. */
        deployRoleArn: deploy.arn,
        ...(push ? { pushRoleArn: push.arn } : {}),
        /** The platform stack's images.promoteRoleArn. */
        promoteRoleArn: promote.arn,
        configCommands: pulumi.interpolate`pulumi config set --stack ${environment} --path images.promoteRoleArn ${promote.arn}`,
    };
};
