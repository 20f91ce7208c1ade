import { strict as assert } from "node:assert";
import { at, plan, resource, stacks } from "../../helpers/plan";

describe("infra/components/mlflow", () => {
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
                const allowed = container.args.find((a: string) => a.startsWith("--allowed-hosts=")).split("=")[1].split(",");
                for (const host of ["localhost", "mlflow.pneumonia.svc.cluster.local:5000", "mlflow:5000"]) assert.ok(allowed.includes(host), host);
                assert.match(container.image, /^ghcr\.io\/mlflow\/mlflow:v3\.\d+\.\d+-full$/);
                assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            });
            it("is a database client and is reachable by the detector, the smoke check and Prometheus only", async () => {
                const p = await plan(stack);
                const labels = at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.metadata.labels");
                assert.equal(labels["pneumonia.io/database-client"], "true");
                const policy = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "mlflow").inputs;
                const from = at(policy, "spec.ingress.0.from").map((peer: { podSelector: { matchLabels: Record<string, string> } }) => peer.podSelector.matchLabels["app.kubernetes.io/name"]);
                assert.deepEqual(from, ["detector", "smoke-check", "prometheus"]);
                assert.deepEqual(at(policy, "spec.egress.0.ports"), [{ port: 5432, protocol: "TCP" }]);
            });
        });
    }
});
