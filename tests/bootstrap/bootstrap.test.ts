// The bootstrap project planned offline like the platform stacks (same mock runtime), and checked
// against the policy pack: what each account gets before the platform's first `pulumi up`.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { parseBootstrapConfig } from "../../bootstrap/config";
import { deployServices, iamServiceOf } from "../../bootstrap/deploy-services";
import { ConfigError, refuseExampleValues } from "../../infra/config";
import { loadStackConfig } from "../../src/policy/config";
import { evaluate } from "../../src/policy/evaluate";
import { pack } from "../../src/policy/pack";
import { planResources } from "../../src/policy/run";
import { secretsProviderFor } from "../../src/preflight/offline";
import { at, plan, resource, resourcesOf } from "../helpers/plan";

const root = path.resolve(__dirname, "../../bootstrap");
const bootstrap = (stack: string) => plan(stack, { root });
const accounts = { staging: "111122223333", production: "444455556666" } as const;
const statementsOf = (policy: unknown) =>
    JSON.parse(String(policy)).Statement as {
        Sid?: string;
        Effect: string;
        Action: string | string[];
        Resource: unknown;
        Condition?: any;
        Principal?: any;
    }[];

describe("bootstrap", () => {
    for (const [stack, account] of Object.entries(accounts) as ["staging" | "production", string][]) {
        describe(stack, () => {
            it("makes the KMS alias the platform stack's awskms:// secrets provider names, and says so in its outputs", async () => {
                const p = await bootstrap(stack);
                assert.equal(resource(p, "aws:kms/alias:Alias", "secrets").inputs.name, `alias/pulumi-pneumonia-${stack}`);
                assert.equal(resource(p, "aws:kms/key:Key", "secrets").inputs.enableKeyRotation, true);
                assert.equal(p.outputs.secretsProvider, secretsProviderFor(stack, "eu-west-1"));
                assert.match(String(p.outputs.backendUrl), /^s3:\/\/pulumi-state-.+\/pneumonia-platform$/);
            });

            it("keeps state in a versioned, KMS-encrypted, TLS-only, private, access-logged bucket", async () => {
                const p = await bootstrap(stack);
                const child = (type: string) => p.resources.filter((r) => r.type === type && r.name === "state");
                assert.equal(at(child("aws:s3/bucketVersioning:BucketVersioning")[0]!.inputs, "versioningConfiguration.status"), "Enabled");
                assert.equal(
                    at(
                        child("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]!.inputs,
                        "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
                    ),
                    "aws:kms",
                );
                assert.equal(child("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]!.inputs.restrictPublicBuckets, true);
                assert.deepEqual(statementsOf(child("aws:s3/bucketPolicy:BucketPolicy")[0]!.inputs.policy)[0]!.Condition, {
                    Bool: { "aws:SecureTransport": "false" },
                });
                assert.equal(child("aws:s3/bucketLogging:BucketLogging")[0]!.inputs.targetPrefix, "state/");
                assert.equal(resource(p, "aws:s3/bucket:Bucket", "state").protect, true, "pulumi destroy never takes the state with it");
            });

            it("runs only in its own account (allowedAccountIds) and names it in every ARN it outputs", async () => {
                const p = await bootstrap(stack);
                assert.deepEqual(resource(p, "pulumi:providers:aws", "aws").inputs.allowedAccountIds, JSON.stringify([account]));
                for (const key of ["deployRoleArn", "promoteRoleArn", "githubOidcProviderArn"])
                    assert.match(String(p.outputs[key]), new RegExp(`^arn:aws:iam::${account}:`), key);
                assert.equal(p.outputs.promoteRoleArn, `arn:aws:iam::${account}:role/pneumonia-${stack}-promote`);
            });

            it("CI roles trust this repository in this environment only: the policy pack passes, and no role is an administrator", async () => {
                const p = await bootstrap(stack);
                const { violations } = await evaluate(pack, planResources(p), loadStackConfig(stack, pack.policies));
                assert.deepEqual(
                    violations.filter((v) => v.policy === "ci-role-trust"),
                    [],
                );
                const trust = statementsOf(resource(p, "aws:iam/role:Role", "deploy").inputs.assumeRolePolicy)[0]!;
                assert.deepEqual(trust.Condition.StringEquals, {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": `repo:example-org/pneumonia-platform:environment:${stack}`,
                });
                // Managed policies only where AWS documents them (the cluster's node and EBS CSI roles), none on a CI role, never an administrator's.
                const attachments = resourcesOf(p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
                assert.ok(
                    attachments.every(
                        (a) =>
                            a.name.startsWith("cluster-") &&
                            !/AdministratorAccess|PowerUserAccess|IAMFullAccess/.test(String(a.inputs.policyArn)),
                    ),
                );
                assert.equal(
                    resourcesOf(p, "aws:iam/role:Role").some((r) => r.name === "push"),
                    stack === "staging",
                    "only the registry's account pushes images",
                );
            });

            it("the deploy role acts on exactly the services the platform stack declares", async () => {
                const platform = await plan(stack);
                const declared = [
                    ...new Set(platform.resources.filter((r) => r.type.startsWith("aws:")).map((r) => iamServiceOf(r.type))),
                ].sort();
                assert.deepEqual([...deployServices[stack]].sort(), declared);
                const p = await bootstrap(stack);
                const [services] = statementsOf(resource(p, "aws:iam/rolePolicy:RolePolicy", "deploy").inputs.policy);
                assert.deepEqual(
                    services!.Action,
                    declared.map((s) => `${s}:*`),
                );
            });
        });
    }

    it("the promote role is assumed by the deploy role only; production's reads the registry account's repositories, without tagging", async () => {
        const p = await bootstrap("production");
        const trust = statementsOf(resource(p, "aws:iam/role:Role", "promote").inputs.assumeRolePolicy)[0]!;
        assert.deepEqual(trust.Principal, { AWS: "arn:aws:iam::444455556666:role/pneumonia-production-deploy" });
        const statements = statementsOf(resource(p, "aws:iam/rolePolicy:RolePolicy", "promote").inputs.policy);
        assert.equal(statements.find((s) => s.Sid === "ReadDigest")!.Resource, "arn:aws:ecr:eu-west-1:111122223333:repository/pneumonia-*");
        assert.ok(!statements.some((s) => s.Sid === "TagPromoted"));
    });

    it("config: example values refused outside the plan; a wrong key named in one line", () => {
        const raw = {
            environment: "production",
            repository: "example-org/pneumonia-platform",
            accountId: "444455556666",
            aws: { region: "eu-west-1" },
            registryAccountId: "111122223333",
        };
        assert.throws(() => refuseExampleValues(raw, "production", false), ConfigError);
        assert.throws(
            () => parseBootstrapConfig({ ...raw, registryAccountId: undefined }),
            /^ConfigError: registryAccountId: expected the registry's account id, required when registry is false, got nothing$/,
        );
        assert.throws(
            () => parseBootstrapConfig({ ...raw, accountId: "4444" }),
            /^ConfigError: accountId: expected a 12-digit AWS account id, got "4444"$/,
        );
    });
});
