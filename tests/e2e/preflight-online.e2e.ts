// The online checks against moto_server (AWS's APIs as the AWS CLI calls them, on 127.0.0.1) and the
// real kubectl: each prerequisite present passes, each one missing fails by name.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onlineChecks, onlineReport, registryRepositories, type CheckResult } from "../../src/preflight/online";
import { startMoto, type MotoServer } from "../../scripts/servers/moto";

const awsAvailable = spawnSync("sh", ["-c", "command -v aws && command -v kubectl"], { stdio: "ignore" }).status === 0;

describe("npm run preflight --online", function () {
    // Each AWS CLI call starts a Python interpreter (1–5 s on a busy machine): the set-up alone makes about twenty.
    this.timeout(600_000);
    let moto: MotoServer;
    let root: string;
    let env: NodeJS.ProcessEnv;
    const aws = (...args: string[]) => {
        const r = spawnSync("aws", [...args, "--region", "eu-west-1", "--output", "json"], { env, encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
        return r.stdout ? JSON.parse(r.stdout) : {};
    };
    const problem = (results: CheckResult[], name: string) => results.find((r) => r.name === name)!.problem;

    before(async function () {
        if (!awsAvailable) this.skip();
        moto = await startMoto();
        root = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-online-"));
        // kubectl with an empty kubeconfig: the configured context does not exist, as on a machine never given one.
        fs.writeFileSync(path.join(root, "kubeconfig"), "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
        env = {
            PATH: process.env.PATH,
            HOME: root,
            KUBECONFIG: path.join(root, "kubeconfig"),
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing-secret",
            PULUMI_BACKEND_URL: "s3://pulumi-state-radiology/pneumonia-platform",
        };
        // moto's account is 123456789012: the stack names it, so the credentials' account matches.
        aws(
            "s3api",
            "create-bucket",
            "--bucket",
            "pulumi-state-radiology",
            "--create-bucket-configuration",
            "LocationConstraint=eu-west-1",
        );
        const key = aws("kms", "create-key").KeyMetadata.KeyId;
        aws("kms", "create-alias", "--alias-name", "alias/pulumi-pneumonia-staging", "--target-key-id", key);
        const oidc = aws(
            "iam",
            "create-open-id-connect-provider",
            "--url",
            "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
            "--client-id-list",
            "sts.amazonaws.com",
            "--thumbprint-list",
            "9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
        ).OpenIDConnectProviderArn;
        const vpc = aws("ec2", "create-vpc", "--cidr-block", "10.30.0.0/16").Vpc.VpcId;
        for (const [i, zone] of ["eu-west-1a", "eu-west-1b"].entries()) {
            const subnet = aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", `10.30.${i}.0/24`, "--availability-zone", zone)
                .Subnet.SubnetId;
            aws("ec2", "create-tags", "--resources", subnet, "--tags", "Key=kubernetes.io/role/elb,Value=1");
        }
        const zone = aws(
            "route53",
            "create-hosted-zone",
            "--name",
            "radiology-lab.net",
            "--caller-reference",
            "preflight",
        ).HostedZone.Id.replace("/hostedzone/", "");
        for (const name of registryRepositories) aws("ecr", "create-repository", "--repository-name", name);
        const github = JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": "repo:radiology-lab/pneumonia-platform:environment:staging",
                        },
                    },
                },
            ],
        });
        aws("iam", "create-role", "--role-name", "pneumonia-staging-deploy", "--assume-role-policy-document", github);
        aws(
            "iam",
            "create-role",
            "--role-name",
            "pneumonia-staging-promote",
            "--assume-role-policy-document",
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }],
            }),
        );
        fs.copyFileSync(path.resolve(__dirname, "../src/preflight/fixtures/filled/Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(
            path.join(root, "Pulumi.staging.yaml"),
            [
                "secretsprovider: awskms://alias/pulumi-pneumonia-staging?region=eu-west-1",
                "config:",
                "  pneumonia-platform:environment: staging",
                "  pneumonia-platform:repository: radiology-lab/pneumonia-platform",
                "  pneumonia-platform:kubernetes:",
                "    context: arn:aws:eks:eu-west-1:123456789012:cluster/pneumonia-staging",
                "  pneumonia-platform:aws:",
                "    region: eu-west-1",
                "  pneumonia-platform:cluster:",
                `    oidcProviderArn: ${oidc}`,
                `    vpcId: ${vpc}`,
                "  pneumonia-platform:images:",
                "    promoteRoleArn: arn:aws:iam::123456789012:role/pneumonia-staging-promote",
                "  pneumonia-platform:edge:",
                "    host: detector.radiology-lab.net",
                `    hostedZoneId: ${zone}`,
                "",
            ].join("\n"),
        );
    });
    after(async () => {
        await moto?.stop();
        if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    it("every AWS prerequisite present passes by name; the cluster checks fail where kubectl has no such context", async () => {
        const results = await onlineChecks("staging", root, env);
        const failed = results.filter((r) => r.problem).map((r) => r.name);
        assert.deepEqual(
            failed,
            ["cluster reachable at the configured context", "VPC CNI enforces NetworkPolicy", "metrics-server serving"],
            onlineReport("staging", results),
        );
        assert.match(
            problem(results, "cluster reachable at the configured context")!,
            /context arn:aws:eks:eu-west-1:123456789012:cluster\/pneumonia-staging: .*context.*/i,
        );
    });

    it("a missing bucket, key, zone, repository and a role trusting another repository each fail by name", async () => {
        aws("ecr", "delete-repository", "--repository-name", "pneumonia-backup");
        aws(
            "iam",
            "update-assume-role-policy",
            "--role-name",
            "pneumonia-staging-deploy",
            "--policy-document",
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                "token.actions.githubusercontent.com:sub": "repo:someone-else/pneumonia-platform:environment:staging",
                            },
                        },
                    },
                ],
            }),
        );
        const broken = { ...env, PULUMI_BACKEND_URL: "s3://no-such-state-bucket/pneumonia-platform" };
        const text = fs.readFileSync(path.join(root, "Pulumi.staging.yaml"), "utf8");
        fs.writeFileSync(
            path.join(root, "Pulumi.staging.yaml"),
            text
                .replace("alias/pulumi-pneumonia-staging", "alias/pulumi-pneumonia-elsewhere")
                .replace(/hostedZoneId: .*/, "hostedZoneId: Z0NOSUCHZONE"),
        );
        const results = await onlineChecks("staging", root, broken);
        assert.match(problem(results, "state backend reachable")!, /^s3:\/\/no-such-state-bucket: /);
        assert.match(problem(results, "secrets key (awskms://) reachable")!, /^alias\/pulumi-pneumonia-elsewhere: .*(NotFound|not found)/i);
        assert.match(problem(results, "hosted zone present")!, /^Z0NOSUCHZONE: /);
        assert.match(problem(results, "registry repositories present")!, /^account 123456789012: .*pneumonia-backup/);
        assert.equal(
            problem(results, "CI deploy role trusts this repository's environment"),
            'pneumonia-staging-deploy trusts ["repo:someone-else/pneumonia-platform:environment:staging"], expected exactly "repo:radiology-lab/pneumonia-platform:environment:staging"',
        );
        assert.equal(problem(results, "AWS credentials of the stack's account"), undefined);
    });
});
