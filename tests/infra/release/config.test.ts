import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../../infra/config";
import { releaseWatch } from "../../../infra/observability/objectives";

const local = (release: Record<string, unknown>) =>
    parsePlatformConfig({ environment: "local", detector: { image: "repo:1.0.0" }, release }, "local");

describe("release config", () => {
    it("defaults production to the manual's watch and staging to a faster one, the load test to staging only", () => {
        const production = parsePlatformConfig(
            {
                environment: "production",
                detector: { image: `repo@sha256:${"a".repeat(64)}` },
                mlflow: { image: `m@sha256:${"b".repeat(64)}` },
                aws: { region: "eu-west-1" },
                cluster: {
                    name: "c",
                    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/x/y",
                    oidcIssuer: "x/y",
                    vpcId: "vpc-0a",
                    privateSubnetIds: ["subnet-0a", "subnet-0b"],
                    nodeSecurityGroupId: "sg-0a",
                },
                edge: { host: "api.example.org", hostedZoneId: "Z0EXAMPLE" },
                images: { registryAccountId: "111122223333" },
            },
            "production",
        ).release;
        assert.equal(production.canary.normalMinutes, releaseWatch.normalMinutes);
        assert.equal(production.canary.hotfixMinutes, releaseWatch.hotfixMinutes);
        assert.equal(production.loadTest.enabled, false);
        assert.deepEqual(
            { requests: local({}).release.loadTest.requests, concurrency: local({}).release.loadTest.concurrency },
            releaseWatch.loadTest,
        );
    });

    it("names the key of a mistake in one line", () => {
        assert.throws(
            () => local({ canary: { steps: [50, 25] } }),
            /^ConfigError: release\.canary\.steps: expected ascending percentages, each below 100, got \[50,25\]$/,
        );
        // Issue 21, finding 6: without a traffic router, 10 % and 25 % of 1-3 pods run the same pods.
        assert.throws(
            () => local({ canary: { steps: [10, 25] } }),
            /^ConfigError: release\.canary\.steps: expected shares that each change the canary's pod count \(at 1 replicas, 25 % runs the same 1 canary \+ 1 stable pods as 10 %\), got \[10,25\]$/,
        );
        assert.throws(
            () => local({ canary: { steps: [10, 100] } }),
            /^ConfigError: release\.canary\.steps\.1: expected an integer from 1 to 99, got 100$/,
        );
        assert.throws(
            () => local({ canary: { normalMinutes: 20, hotfixMinutes: 10 } }),
            /^ConfigError: release\.canary\.hotfixMinutes: expected an integer >= release\.canary\.normalMinutes \(20\), got 10$/,
        );
        assert.throws(() => local({ hotfix: "yes" }), /^ConfigError: release\.hotfix: expected true or false, got "yes"$/);
        assert.throws(() => local({ loadTest: { rps: 3 } }), /^ConfigError: release\.loadTest\.rps: unknown key$/);
    });

    it("reads the hotfix flag as `pulumi config set --path` may store it", () => {
        assert.equal(local({ hotfix: "true" }).release.hotfix, true);
        assert.equal(local({ hotfix: "false" }).release.hotfix, false);
    });
});
