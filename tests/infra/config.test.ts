import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { checkConfigKeys, ConfigError, environmentDefaults, knownConfigKeys, parsePlatformConfig } from "../../infra/config";
import { secretKeys } from "../../infra/platform/secrets";
import { plan } from "../helpers/plan";

const image = "registry.example/pneumonia-detector:1.4.2";
const digest = `registry.example/pneumonia-detector@sha256:${"a".repeat(64)}`;
const cluster = {
    name: "c",
    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-0a", "subnet-0b"],
    nodeSecurityGroupId: "sg-0abc",
};
const edge = { host: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" };
// The registry's account is this cluster's own here, so production may build (mirror MLflow) as the defaults do.
const production = {
    environment: "production",
    aws: { region: "eu-west-1" },
    cluster,
    detector: { image: digest },
    edge,
    images: { registryAccountId: "111122223333" },
};

function rejects(raw: Record<string, unknown>, message: string) {
    assert.throws(
        () => parsePlatformConfig(raw, "test"),
        (e: Error) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e.name}`);
            assert.equal(e.message, message);
            assert.ok(!e.message.includes("\n"), "the error is one line");
            return true;
        },
    );
}

describe("infra/config", () => {
    describe("per-environment sizing", () => {
        it("gives local one detector replica and in-cluster stores", () => {
            const c = parsePlatformConfig({ environment: "local", detector: { image } }, "local");
            assert.equal(c.detector.replicas, 1);
            assert.equal(c.database.kind, "in-cluster");
            assert.equal(c.objectStore.kind, "in-cluster");
        });
        it("gives staging two replicas, S3 and in-cluster Postgres", () => {
            const c = parsePlatformConfig(
                { environment: "staging", aws: { region: "eu-west-1" }, cluster, detector: { image }, edge },
                "staging",
            );
            assert.equal(c.detector.replicas, 2);
            assert.equal(c.database.kind, "in-cluster");
            assert.equal(c.objectStore.kind, "s3");
        });
        it("gives production three replicas, RDS Multi-AZ with deletion protection", () => {
            const c = parsePlatformConfig(production, "production");
            assert.equal(c.detector.replicas, 3);
            assert.equal(c.database.kind, "rds");
            assert.equal(c.database.multiAz, true);
            assert.equal(c.database.deletionProtection, true);
            assert.ok(c.database.backupRetentionDays >= 7);
        });
        it("uses the manual's 70% CPU scaling trigger by default", () => {
            for (const env of ["local", "staging", "production"] as const)
                assert.equal(environmentDefaults(env).detector?.cpuTargetPercent, 70);
        });
        it("lets the stack file override a single nested value", () => {
            const c = parsePlatformConfig({ environment: "local", detector: { image, resources: { limits: { cpu: "3" } } } }, "local");
            assert.equal(c.detector.resources.limits.cpu, "3");
            assert.equal(c.detector.resources.limits.memory, "1Gi");
        });
    });

    describe("errors name the key and what is allowed", () => {
        it("rejects a non-integer replica count", () =>
            rejects(
                { environment: "local", detector: { image, replicas: "three" } },
                'detector.replicas: expected an integer >= 1, got "three"',
            ));
        it("rejects zero replicas", () =>
            rejects({ environment: "local", detector: { image, replicas: 0 } }, "detector.replicas: expected an integer >= 1, got 0"));
        it("rejects an unknown environment", () =>
            rejects({ environment: "prod" }, 'environment: expected one of local, staging, production, got "prod"'));
        it("rejects a misspelt key, with the nested key it probably meant", () =>
            rejects(
                { environment: "local", detector: { image, replica: 2 } },
                "detector.replica: unknown key (did you mean detector.replicas?)",
            ));
        it("suggests nested keys at any depth, and nothing when none is close", () => {
            rejects(
                { environment: "local", detector: { image }, backups: { schedules: { dbb: "0 1 * * *" } } },
                "backups.schedules.dbb: unknown key (did you mean backups.schedules.db?)",
            );
            rejects({ environment: "local", detector: { image, tracing: true } }, "detector.tracing: unknown key");
        });
        it("rejects an unknown top-level key", () =>
            rejects({ environment: "local", detector: { image }, detectr: {} }, "detectr: unknown key (did you mean detector?)"));
        it("rejects a moving tag", () =>
            rejects(
                { environment: "local", detector: { image: "registry.example/d:latest" } },
                'detector.image: expected an immutable tag, not latest, got "registry.example/d:latest"',
            ));
        it("rejects an untagged image", () =>
            rejects(
                { environment: "local", detector: { image: "registry.example/d" } },
                'detector.image: expected an image with an immutable tag or a digest, got "registry.example/d"',
            ));
        it("rejects a missing image", () => rejects({ environment: "local" }, "detector.image: expected string, got nothing"));
        it("rejects a bad CPU quantity", () =>
            rejects(
                { environment: "local", detector: { image, resources: { requests: { cpu: "lots" } } } },
                'detector.resources.requests.cpu: expected a CPU quantity such as 500m or 2, got "lots"',
            ));
        it("rejects an unknown database kind", () =>
            rejects(
                { environment: "local", detector: { image }, database: { kind: "mysql" } },
                'database.kind: expected one of "rds", "in-cluster", got "mysql"',
            ));
        it("rejects maxReplicas below replicas", () =>
            rejects(
                { environment: "local", detector: { image, replicas: 3, maxReplicas: 2 } },
                "detector.maxReplicas: expected an integer >= detector.replicas (3), got 2",
            ));
        it("requires the AWS sections when a store lives in AWS", () =>
            rejects(
                { environment: "staging", detector: { image } },
                "aws: expected the section, required when the database is rds, the object store is s3 or the detector image is built, got nothing",
            ));
        it("rejects a malformed OIDC provider ARN", () =>
            rejects(
                { ...production, cluster: { ...cluster, oidcProviderArn: "oidc" } },
                'cluster.oidcProviderArn: expected an IAM OIDC provider ARN, got "oidc"',
            ));
    });

    describe("production is the strictest", () => {
        it("requires a digest", () =>
            rejects(
                { ...production, detector: { image } },
                `detector.image: expected an image pinned by digest (repo@sha256:…) in production, got "${image}"`,
            ));
        it("requires at least three replicas", () =>
            rejects(
                { ...production, detector: { image: digest, replicas: 2 } },
                "detector.replicas: expected an integer >= 3 in production, got 2",
            ));
        it("requires MLflow by digest unless it is mirrored", () =>
            rejects(
                { ...production, mlflow: { image: "ghcr.io/mlflow/mlflow:v3.11.1-full", build: undefined } },
                'mlflow.image: expected an image pinned by digest, or mlflow.build, in production, got "ghcr.io/mlflow/mlflow:v3.11.1-full"',
            ));
        it("requires RDS", () =>
            rejects({ ...production, database: { kind: "in-cluster" } }, 'database.kind: expected "rds" in production, got "in-cluster"'));
        it("requires Multi-AZ", () =>
            rejects({ ...production, database: { multiAz: false } }, "database.multiAz: expected true in production, got false"));
    });

    describe("keys of the project namespace (pulumi config set writes them as pneumonia-platform:<key>)", () => {
        const check =
            (key: string, secret = false) =>
            () =>
                checkConfigKeys("pneumonia-platform", [{ key, secret }]);
        const oneLine = (message: string) => (e: Error) => e instanceof ConfigError && e.message === message;

        it("knows every section the schema has, and the secret keys", () => {
            // Derived from the schema: a section another module adds (monitoring, backups) is known without a list to edit.
            for (const section of Object.keys(environmentDefaults("production"))) assert.ok(knownConfigKeys().includes(section), section);
            for (const key of [...secretKeys, "environment", "aws", "cluster"]) assert.ok(knownConfigKeys().includes(key), key);
            assert.doesNotThrow(check("detector"));
            assert.doesNotThrow(check("pagerdutyRoutingKey", true));
        });
        it("rejects an unknown key, with the key it probably meant", () => {
            assert.throws(check("detectr"), oneLine("pneumonia-platform:detectr: unknown key (did you mean pneumonia-platform:detector?)"));
            assert.throws(
                check("Monitoring"),
                oneLine("pneumonia-platform:Monitoring: unknown key (did you mean pneumonia-platform:monitoring?)"),
            );
            assert.throws(
                check("pagerdutyRouteKey", true),
                oneLine("pneumonia-platform:pagerdutyRouteKey: unknown key (did you mean pneumonia-platform:pagerdutyRoutingKey?)"),
            );
            assert.throws(check("tracing"), oneLine("pneumonia-platform:tracing: unknown key"));
        });
        it("rejects a nested key written flat, showing --path", () => {
            assert.throws(
                check("detector.replicas"),
                oneLine(
                    "pneumonia-platform:detector.replicas: unknown key; a nested key is set with --path: pulumi config set --path detector.replicas <value>",
                ),
            );
        });
        it("rejects a secret key stored in plain text, showing the --secret command", () => {
            for (const key of secretKeys) {
                assert.throws(
                    check(key),
                    oneLine(
                        `pneumonia-platform:${key}: a secret key in plain text; store it encrypted: pulumi config set --secret ${key} <value>`,
                    ),
                );
            }
        });
    });

    describe("in the program", () => {
        for (const [what, options, message] of [
            [
                "an unknown key",
                { overrides: { detectr: { replicas: 3 } } },
                "pneumonia-platform:detectr: unknown key (did you mean pneumonia-platform:detector?)",
            ],
            [
                "a flat nested key",
                { overrides: { "detector.replicas": 4 } },
                "pneumonia-platform:detector.replicas: unknown key; a nested key is set with --path: pulumi config set --path detector.replicas <value>",
            ],
            [
                "a plain-text secret",
                { overrides: { slackWebhookUrl: "https://hooks.slack.test/services/T0/B0/PLAIN" } },
                "pneumonia-platform:slackWebhookUrl: a secret key in plain text; store it encrypted: pulumi config set --secret slackWebhookUrl <value>",
            ],
        ] as const) {
            it(`rejects ${what} before any resource is registered`, async () => {
                await assert.rejects(
                    plan("staging", options),
                    (e: Error) => e.name === "ConfigError" && e.message === message && !e.message.includes("PLAIN"),
                );
                const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
                assert.deepEqual(
                    [...monitor.resources.keys()].filter((urn) => !urn.includes("::pulumi:pulumi:Stack::")),
                    [],
                );
            });
        }
        it("accepts the same secret when it is stored as a secret", async () => {
            const p = await plan("staging", { secrets: { slackWebhookUrl: "https://hooks.slack.test/services/T0/B0/SECRET" } });
            assert.ok(p.resources.length > 0);
        });

        it("stops before any resource is registered", async () => {
            await assert.rejects(plan("production", { overrides: { detector: { replicas: "three" } } }), (e: Error) => {
                assert.equal(e.name, "ConfigError");
                assert.equal(e.message, 'detector.replicas: expected an integer >= 1, got "three"');
                return true;
            });
            const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
            const registered = [...monitor.resources.keys()].filter((urn) => !urn.includes("::pulumi:pulumi:Stack::"));
            assert.deepEqual(registered, []);
        });
    });
});
