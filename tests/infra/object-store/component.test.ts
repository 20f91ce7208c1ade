import { strict as assert } from "node:assert";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

describe("infra/object-store/component", () => {
    for (const stack of ["staging", "production"]) {
        describe(`${stack}: S3`, () => {
            for (const bucket of ["artifacts", "backups"]) {
                it(`${bucket}: KMS key with rotation, versioning, public-access blocks, owner-enforced, TLS only`, async () => {
                    const p = await plan(stack);
                    assert.equal(resource(p, "aws:kms/key:Key", `${bucket}-key`).inputs.enableKeyRotation, true);
                    assert.equal(
                        at(resource(p, "aws:s3/bucketVersioning:BucketVersioning", bucket).inputs, "versioningConfiguration.status"),
                        "Enabled",
                    );
                    const sse = resource(
                        p,
                        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                        bucket,
                    ).inputs;
                    assert.equal(at(sse, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"), "aws:kms");
                    assert.match(at(sse, "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId"), new RegExp(`key/${bucket}-key$`));
                    const pab = resource(p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket).inputs;
                    for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
                        assert.equal(pab[flag], true, flag);
                    assert.equal(
                        at(resource(p, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket).inputs, "rule.objectOwnership"),
                        "BucketOwnerEnforced",
                    );
                    const policy = JSON.parse(String(resource(p, "aws:s3/bucketPolicy:BucketPolicy", bucket).inputs.policy));
                    const tls = policy.Statement.find((s: { Sid?: string }) => s.Sid === "DenyInsecureTransport");
                    assert.equal(tls.Effect, "Deny");
                    assert.deepEqual(tls.Condition, { Bool: { "aws:SecureTransport": "false" } });
                });
            }
            it("gives MLflow an IRSA role trusted by its service account alone", async () => {
                const p = await plan(stack);
                const role = resource(p, "aws:iam/role:Role", "mlflow").inputs;
                const trust = JSON.parse(String(role.assumeRolePolicy)).Statement[0];
                assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
                assert.match(trust.Principal.Federated, /^arn:aws:iam::\d{12}:oidc-provider\//);
                const issuer = trust.Principal.Federated.split("oidc-provider/")[1];
                assert.deepEqual(trust.Condition.StringEquals, {
                    [`${issuer}:sub`]: "system:serviceaccount:pneumonia:mlflow",
                    [`${issuer}:aud`]: "sts.amazonaws.com",
                });
                const sa = resource(p, "kubernetes:core/v1:ServiceAccount", "mlflow").inputs;
                assert.match(at(sa, "metadata.annotations")["eks.amazonaws.com/role-arn"], /:role\/mlflow$/);
            });
            it("limits MLflow to its prefix of the artifact bucket and that bucket's key", async () => {
                const policy = JSON.parse(String(resource(await plan(stack), "aws:iam/rolePolicy:RolePolicy", "mlflow").inputs.policy));
                const resources = policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
                assert.ok(
                    resources.every((r: string) => !r.includes("backups")),
                    "no access to backups",
                );
                assert.ok(resources.includes("arn:aws:s3:::mlflow-artifacts-plan0001/mlflow/*"));
                assert.ok(
                    !policy.Statement.some((s: { Action: string[] }) => s.Action.some((a) => a.includes("*"))),
                    "no wildcard actions",
                );
            });
        });
    }

    describe("local: in-cluster MinIO", () => {
        it("creates no AWS resource at all", async () => {
            const p = await plan("local");
            assert.deepEqual(
                p.resources.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws").map((r) => r.type),
                [],
            );
        });
        it("runs MinIO with a PVC and creates both buckets", async () => {
            const p = await plan("local");
            const sts = resource(p, "kubernetes:apps/v1:StatefulSet", "storage").inputs;
            assert.match(at(sts, "spec.template.spec.containers.0.image"), /^quay\.io\/minio\/minio:RELEASE\./);
            const job = resource(p, "kubernetes:batch/v1:Job", "storage-buckets").inputs;
            const script = at(job, "spec.template.spec.containers.0.args.0");
            assert.ok(script.includes("mc mb --ignore-existing store/mlflow-artifacts"));
            assert.ok(script.includes("mc mb --ignore-existing store/backups"));
            assert.deepEqual(p.outputs.artifactBucket, "mlflow-artifacts");
        });
        it("hands MLflow the endpoint and credentials by reference, never by value", async () => {
            const p = await plan("local");
            const env = at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.spec.containers.0.env");
            const byName = Object.fromEntries(env.map((e: { name: string }) => [e.name, e]));
            assert.equal(byName.AWS_ENDPOINT_URL_S3.value, "http://object-store.pneumonia.svc.cluster.local:9000");
            assert.equal(byName.MLFLOW_S3_ENDPOINT_URL.value, "http://object-store.pneumonia.svc.cluster.local:9000");
            assert.deepEqual(byName.AWS_SECRET_ACCESS_KEY.valueFrom, {
                secretKeyRef: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" },
            });
            assert.equal(
                at(resource(p, "kubernetes:core/v1:Secret", "storage-credentials").inputs, "stringData.AWS_SECRET_ACCESS_KEY"),
                "[secret]",
            );
        });
        it("admits only object-store clients", async () => {
            const p = await plan("local");
            const policy = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "object-store").inputs;
            assert.deepEqual(at(policy, "spec.ingress.0.from"), [
                { podSelector: { matchLabels: { "pneumonia.io/object-store-client": "true" } } },
            ]);
            assert.equal(
                at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.metadata.labels")[
                    "pneumonia.io/object-store-client"
                ],
                "true",
            );
            assert.equal(resourcesOf(p, "aws:iam/role:Role").length, 0);
        });
    });
});
