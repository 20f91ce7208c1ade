import { strict as assert } from "node:assert";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

describe("infra/database/component", () => {
    describe("production: RDS", () => {
        it("is Multi-AZ, KMS-encrypted, backed up, protected and private", async () => {
            const db = resource(await plan("production"), "aws:rds/instance:Instance", "database").inputs;
            assert.equal(db.engine, "postgres");
            assert.equal(db.multiAz, true);
            assert.equal(db.storageEncrypted, true);
            assert.match(String(db.kmsKeyId), /^arn:aws:kms:/);
            assert.equal(db.backupRetentionPeriod, 14);
            assert.equal(db.deletionProtection, true);
            assert.equal(db.publiclyAccessible, false);
            assert.equal(db.skipFinalSnapshot, false);
            assert.equal(db.password, "[secret]");
        });
        it("takes its backup retention from config", async () => {
            const db = resource(
                await plan("production", { overrides: { database: { backupRetentionDays: 21 } } }),
                "aws:rds/instance:Instance",
                "database",
            );
            assert.equal(db.inputs.backupRetentionPeriod, 21);
        });
        it("admits Postgres from the cluster's node security group only", async () => {
            const sg = resource(await plan("production"), "aws:ec2/securityGroup:SecurityGroup", "database").inputs;
            assert.deepEqual(
                (sg.ingress as Record<string, unknown>[]).map((rule) => [rule.fromPort, rule.toPort, rule.securityGroups, rule.cidrBlocks]),
                [[5432, 5432, ["sg-00000000000000000"], undefined]],
            );
        });
        it("requires TLS through its parameter group", async () => {
            const params = resource(await plan("production"), "aws:rds/parameterGroup:ParameterGroup", "database").inputs;
            assert.deepEqual(params.parameters, [{ name: "rds.force_ssl", value: "1" }]);
            assert.equal(params.family, "postgres15");
        });
        it("runs no in-cluster Postgres", async () => {
            const postgres = resourcesOf(await plan("production"), "kubernetes:apps/v1:StatefulSet").filter(
                (r) => at(r.inputs, "metadata.name") === "postgres",
            );
            assert.deepEqual(postgres, []);
        });
    });

    describe("local and staging: in-cluster Postgres", () => {
        for (const stack of ["local", "staging"]) {
            it(`${stack}: pinned official image, PVC, restricted context, no RDS`, async () => {
                const p = await plan(stack);
                assert.deepEqual(resourcesOf(p, "aws:rds/instance:Instance"), []);
                const sts = resource(p, "kubernetes:apps/v1:StatefulSet", "database").inputs;
                const container = at(sts, "spec.template.spec.containers.0");
                assert.match(container.image, /^postgres:15\.\d+-bookworm$/);
                assert.equal(at(sts, "spec.volumeClaimTemplates.0.spec.resources.requests.storage"), stack === "local" ? "5Gi" : "20Gi");
                assert.equal(at(sts, "spec.template.spec.securityContext.runAsUser"), 999);
                assert.equal(container.securityContext.readOnlyRootFilesystem, true);
                const env = Object.fromEntries(
                    container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]),
                );
                assert.deepEqual(env.POSTGRES_PASSWORD, { secretKeyRef: { name: "database-connection", key: "password" } });
            });
        }
        it("admits only database clients (MLflow, backup jobs) on 5432", async () => {
            const policy = resource(await plan("staging"), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "postgres").inputs;
            assert.deepEqual(at(policy, "spec.ingress.0.from"), [
                { podSelector: { matchLabels: { "pneumonia.io/database-client": "true" } } },
            ]);
            assert.deepEqual(at(policy, "spec.egress"), []);
        });
    });

    describe("one interface: the database-connection Secret", () => {
        for (const stack of ["local", "production"]) {
            it(`${stack}: carries the same keys, and the password only as a secret`, async () => {
                const secret = resource(await plan(stack), "kubernetes:core/v1:Secret", "database");
                assert.equal(at(secret.inputs, "metadata.name"), "database-connection");
                assert.deepEqual(Object.keys(at(secret.props, "stringData")).sort(), [
                    "dbname",
                    "host",
                    "password",
                    "port",
                    "uri",
                    "username",
                ]);
                assert.equal(at(secret.inputs, "stringData.password"), "[secret]");
            });
        }
        it("points production's URI at RDS with TLS required", async () => {
            const secret = resource(await plan("production"), "kubernetes:core/v1:Secret", "database");
            assert.match(
                at(secret.props, "stringData.uri"),
                /^postgresql:\/\/mlflow:.+@database\.plan0001\.eu-west-1\.rds\.amazonaws\.com:5432\/mlflow\?sslmode=require$/,
            );
        });
        it("uses a password given as secret config, URL-encoded in the URI, and never in plain inputs", async () => {
            const password = "s3cr3t/with:odd@chars";
            const p = await plan("local", { secrets: { databasePassword: password } });
            const secret = resource(p, "kubernetes:core/v1:Secret", "database");
            assert.equal(at(secret.props, "stringData.password"), password);
            assert.ok(at(secret.props, "stringData.uri").includes(encodeURIComponent(password)));
            assert.ok(!JSON.stringify(p.resources.map((r) => r.inputs)).includes("s3cr3t"), "no plain password in any input");
            assert.ok(!JSON.stringify(p.outputs).includes("s3cr3t"), "no plain password in outputs");
        });
        it("exports the database endpoint as a secret", async () => {
            assert.equal((await plan("production")).outputs.databaseEndpoint, "[secret]");
        });
    });
});
