import { strict as assert } from "node:assert";
import { kubernetesObjects } from "../../src/plan/render";
import { validateKubernetesObject } from "../helpers/kubernetes-schema";
import { plan, resourcesOf, stacks } from "../helpers/plan";

describe("infra stacks", () => {
    for (const stack of stacks) {
        describe(stack, () => {
            it("renders only Kubernetes objects that pass the OpenAPI schemas", async () => {
                const objects = kubernetesObjects(await plan(stack));
                assert.ok(objects.length > 10);
                const failures: string[] = [];
                for (const o of objects) await validateKubernetesObject(o.props).catch((e: Error) => failures.push(e.message));
                assert.deepEqual(failures, []);
            });
            it("declares one Kubernetes provider and one AWS provider per region it uses", async () => {
                const p = await plan(stack);
                assert.equal(resourcesOf(p, "pulumi:providers:kubernetes").length, 1);
                // production adds the replica region's provider for the backup bucket's replica
                assert.equal(resourcesOf(p, "pulumi:providers:aws").length, { local: 0, staging: 1, production: 2 }[stack]);
            });
            it("exports the service endpoints and bucket names", async () => {
                const { outputs } = await plan(stack);
                assert.equal(outputs.detectorUrl, "http://detector.pneumonia.svc.cluster.local:8000");
                assert.equal(outputs.mlflowUrl, "http://mlflow.pneumonia.svc.cluster.local:5000");
                assert.ok(outputs.artifactBucket && outputs.backupBucket);
                assert.equal(outputs.databaseEndpoint, "[secret]");
            });
        });
    }

    it("holds the whole production system", async () => {
        const p = await plan("production");
        const count = (type: string) => resourcesOf(p, type).length;
        for (const type of [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:core/v1:Service",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:core/v1:Namespace",
            "aws:rds/instance:Instance",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:iam/role:Role",
        ]) {
            assert.ok(count(type) >= 1, `production has a ${type}`);
        }
    });
});
