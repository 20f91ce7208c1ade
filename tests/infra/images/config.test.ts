// images.* settings: defaults, the registry's account, and one-line errors naming the key.
import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { registryAccountId } from "../../../infra/images/config";

const digest = (repo: string) => `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${repo}@sha256:${"a".repeat(64)}`;
const clusterIn = (account: string) => ({
    name: "c",
    oidcProviderArn: `arn:aws:iam::${account}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC`,
    oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-0a", "subnet-0b"],
    nodeSecurityGroupId: "sg-0abc",
});
const edge = { host: "api.example.org", hostedZoneId: "Z0EXAMPLE" };
const staging = {
    environment: "staging",
    aws: { region: "eu-west-1" },
    cluster: clusterIn("111122223333"),
    detector: { image: digest("pneumonia-detector") },
    edge,
};
// Production in its own account, running staging's digests.
const production = {
    environment: "production",
    aws: { region: "eu-west-1" },
    cluster: clusterIn("444455556666"),
    detector: { image: digest("pneumonia-detector") },
    mlflow: { image: digest("pneumonia-mlflow"), build: null },
    backups: { image: digest("pneumonia-backup"), build: null },
    images: { registryAccountId: "111122223333" },
    edge,
};

function rejects(raw: Record<string, unknown>, message: string) {
    assert.throws(
        () => parsePlatformConfig(raw, "test"),
        (e: Error) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e.name}`);
            assert.equal(e.message, message);
            return true;
        },
    );
}

describe("infra/images config", () => {
    it("makes staging's own account the registry by default, keeping promoted-, released- and signature tags", () => {
        const c = parsePlatformConfig(staging, "staging");
        assert.equal(registryAccountId(c), "111122223333");
        assert.deepEqual(c.images.keepTagPrefixes, ["promoted-", "released-", "sha256-"]);
        assert.equal(c.images.signing.issuer, "https://token.actions.githubusercontent.com");
    });
    it("accepts production running the registry account's digests", () => {
        assert.equal(registryAccountId(parsePlatformConfig(production, "production")), "111122223333");
    });
    it("requires production to name the registry's account", () =>
        rejects(
            { ...production, images: {} },
            "images.registryAccountId: expected the account that builds images (staging's), required in production, got nothing",
        ));
    it("refuses a build in a stack outside the registry's account: production never pushes", () =>
        rejects(
            { ...production, mlflow: { image: digest("pneumonia-mlflow"), build: { tag: "v3" } } },
            'mlflow.build: expected null: only the registry\'s account (111122223333) builds images; run its digest (this stack is account 444455556666), got {"tag":"v3"}',
        ));
    it("rejects a malformed account id", () =>
        rejects(
            { ...staging, images: { registryAccountId: "1234" } },
            'images.registryAccountId: expected a 12-digit AWS account id, got "1234"',
        ));
    it("rejects a puller that is not a role ARN", () =>
        rejects(
            { ...staging, images: { pullers: ["444455556666"] } },
            'images.pullers.0: expected an IAM role ARN such as arn:aws:iam::444455556666:role/node, got "444455556666"',
        ));
    it("rejects a puller of the registry's own account (its roles need no grant)", () =>
        rejects(
            { ...staging, images: { pullers: ["arn:aws:iam::111122223333:role/node"] } },
            'images.pullers.0: expected a role of another account than the registry\'s (111122223333): its own roles need no grant, got "arn:aws:iam::111122223333:role/node"',
        ));
    it("rejects a signing identity that is not a workflow ref", () =>
        rejects(
            { ...staging, images: { signing: { identity: "ci@example.com" } } },
            'images.signing.identity: expected a workflow identity such as https://github.com/<org>/<repo>/.github/workflows/delivery.yml@refs/heads/main, got "ci@example.com"',
        ));
    it("rejects an unknown blocking severity", () =>
        rejects(
            { ...staging, images: { blockingSeverity: "SEVERE" } },
            'images.blockingSeverity: expected one of "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", got "SEVERE"',
        ));
});
