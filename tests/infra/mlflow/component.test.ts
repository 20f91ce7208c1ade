import { strict as assert } from "node:assert";
import { at, plan, resource, stacks } from "../../helpers/plan";

describe("infra/mlflow/component", () => {
    for (const stack of stacks) {
        describe(stack, () => {
            it("serves on 5000 with Postgres as backend store and proxied S3 artifacts", async () => {
                const p = await plan(stack);
                const container = at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.spec.containers.0");
                assert.deepEqual(container.command, ["mlflow", "server"]);
                assert.ok(container.args.includes("--port=5000"));
                assert.ok(container.args.includes("--backend-store-uri=$(MLFLOW_BACKEND_STORE_URI)"));
                assert.ok(container.args.includes("--serve-artifacts"));
                assert.ok(container.args.includes(`--artifacts-destination=s3://${p.outputs.artifactBucket}/mlflow`));
                const uri = container.env.find((e: { name: string }) => e.name === "MLFLOW_BACKEND_STORE_URI");
                assert.deepEqual(uri.valueFrom, { secretKeyRef: { name: "database-connection", key: "uri" } });
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    assert.equal(container[probe].httpGet.path, "/health");
                    assert.deepEqual(container[probe].httpGet.httpHeaders, [{ name: "Host", value: "localhost" }]);
                }
                const allowed = container.args
                    .find((a: string) => a.startsWith("--allowed-hosts="))
                    .split("=")[1]
                    .split(",");
                for (const host of ["localhost", "mlflow.pneumonia.svc.cluster.local:5000", "mlflow:5000"])
                    assert.ok(allowed.includes(host), host);
                if (stack === "local") assert.match(container.image, /^ghcr\.io\/mlflow\/mlflow:v3\.\d+\.\d+-full$/);
                else assert.match(container.image, /\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/pneumonia-mlflow@sha256:[a-f0-9]{64}$/);
                assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            });
            it("keeps serving through node drains", async () => {
                const pdb = resource(await plan(stack), "kubernetes:policy/v1:PodDisruptionBudget", "mlflow").inputs;
                assert.equal(at(pdb, "spec.maxUnavailable"), 1);
                assert.deepEqual(at(pdb, "spec.selector.matchLabels"), {
                    "app.kubernetes.io/name": "mlflow",
                    "app.kubernetes.io/instance": stack,
                });
            });
            it("is a database client and is reachable by the detector, the smoke check and Prometheus only", async () => {
                const p = await plan(stack);
                const labels = at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.metadata.labels");
                assert.equal(labels["pneumonia.io/database-client"], "true");
                const policy = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "mlflow").inputs;
                const from = at(policy, "spec.ingress.0.from").map(
                    (peer: { podSelector: { matchLabels: Record<string, string> } }) =>
                        peer.podSelector.matchLabels["app.kubernetes.io/name"],
                );
                assert.deepEqual(from, ["detector", "smoke-check", "prometheus"]);
                assert.deepEqual(at(policy, "spec.egress.0.ports"), [{ port: 5432, protocol: "TCP" }]);
            });
        });
    }

    it("mirrors the upstream image into an immutable, scanned ECR repository in the registry's stack (staging; production runs its digest)", async () => {
        const p = await plan("staging");
        const repo = resource(p, "aws:ecr/repository:Repository", "images-mlflow").inputs;
        assert.equal(repo.name, "pneumonia-mlflow");
        assert.equal(repo.imageTagMutability, "IMMUTABLE");
        const image = resource(p, "docker:index/image:Image", "mlflow-image").inputs;
        assert.equal(at(image, "build.dockerfile"), "images/mlflow/Dockerfile");
        assert.deepEqual(at(image, "build.args"), { MLFLOW_IMAGE: "ghcr.io/mlflow/mlflow:v3.11.1-full" });
        assert.equal(
            (await plan("local")).resources.some((r) => r.type === "docker:index/image:Image"),
            false,
        );
    });
});
