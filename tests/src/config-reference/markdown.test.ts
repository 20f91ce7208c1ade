import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { bootstrapSchema } from "../../../bootstrap/config";
import { knownConfigKeys, parsePlatformConfig } from "../../../infra/config";
import { secretKeys } from "../../../infra/platform/secrets";
import { configReferenceMarkdown, platformRows } from "../../../src/config-reference/markdown";

describe("docs/config-reference.md", () => {
    it("is current (regenerate with npm run --silent docs:config)", () => {
        const file = path.resolve(__dirname, "../../../docs/config-reference.md");
        assert.equal(fs.readFileSync(file, "utf8"), configReferenceMarkdown({ schema: bootstrapSchema }));
    });

    it("has a row for every section of the schema and states defaults per environment", () => {
        const rows = platformRows();
        for (const key of knownConfigKeys().filter((k) => !(secretKeys as readonly string[]).includes(k))) {
            assert.ok(
                rows.some((r) => r.key === key || r.key.startsWith(`${key}.`)),
                key,
            );
        }
        assert.deepEqual(rows.find((r) => r.key === "detector.replicas")!.defaults, [1, 2, 3]);
    });

    it("says what a key expects in the words the config error uses", () => {
        const expected = platformRows().find((r) => r.key === "cluster.vpcId")!.expected;
        assert.equal(expected, "a VPC id such as vpc-0abc");
        const raw = {
            environment: "staging",
            aws: { region: "eu-west-1" },
            detector: { image: "r.test/d:1" },
            edge: { host: "a.test.net", hostedZoneId: "Z0123" },
        };
        const cluster = {
            name: "c",
            oidcProviderArn: "arn:aws:iam::210987654321:oidc-provider/x/id/A",
            oidcIssuer: "x/id/A",
            vpcId: "vpc-zz",
            privateSubnetIds: ["subnet-0a", "subnet-0b"],
            nodeSecurityGroupId: "sg-0a",
        };
        assert.throws(
            () => parsePlatformConfig({ ...raw, cluster }, "staging"),
            new RegExp(`^ConfigError: cluster\\.vpcId: expected ${expected}, got "vpc-zz"$`),
        );
    });
});
