import { strict as assert } from "node:assert";
import { at, plan, resource, stacks } from "../../helpers/plan";

const deploymentOf = async (stack: string) => resource(await plan(stack), "kubernetes:argoproj.io/v1alpha1:Rollout", "detector").inputs;

describe("infra/detector/component", () => {
    for (const stack of stacks) {
        describe(stack, () => {
            it("serves /health probes on port 8000 and exposes metrics on 9090", async () => {
                const container = at(await deploymentOf(stack), "spec.template.spec.containers.0");
                assert.deepEqual(
                    container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]),
                    [
                        ["http", 8000],
                        ["metrics", 9090],
                    ],
                );
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    assert.deepEqual(container[probe].httpGet, { path: "/health", port: "http" }, probe);
                }
            });
            it("runs under the restricted security context with no service-account token", async () => {
                const pod = at(await deploymentOf(stack), "spec.template.spec");
                assert.equal(pod.automountServiceAccountToken, false);
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
                const sc = pod.containers[0].securityContext;
                assert.equal(sc.readOnlyRootFilesystem, true);
                assert.equal(sc.allowPrivilegeEscalation, false);
                assert.deepEqual(sc.capabilities.drop, ["ALL"]);
            });
            it("sets requests and limits", async () => {
                const resources = at(await deploymentOf(stack), "spec.template.spec.containers.0.resources");
                for (const kind of ["requests", "limits"]) for (const r of ["cpu", "memory"]) assert.ok(resources[kind][r], `${kind}.${r}`);
            });
            it("rolls out without ever dropping below serving capacity", async () => {
                const canary = at(await deploymentOf(stack), "spec.strategy.canary");
                assert.equal(canary.maxUnavailable, 0);
                assert.equal(canary.maxSurge, 1);
            });
            it("scales on 70% CPU between the configured bounds, and the HPA owns the replica count", async () => {
                const p = await plan(stack);
                const hpa = resource(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "detector").inputs;
                const expectedMin = { local: 1, staging: 2, production: 3 }[stack];
                assert.equal(at(hpa, "spec.minReplicas"), expectedMin);
                assert.ok(at(hpa, "spec.maxReplicas") >= expectedMin);
                assert.equal(at(hpa, "spec.metrics.0.resource.target.averageUtilization"), 70);
                assert.deepEqual(at(hpa, "spec.scaleTargetRef"), { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "detector" });
                assert.equal(at(await deploymentOf(stack), "spec.replicas"), undefined);
            });
            it("has a PodDisruptionBudget that still lets a node drain", async () => {
                const pdb = resource(await plan(stack), "kubernetes:policy/v1:PodDisruptionBudget", "detector").inputs;
                assert.equal(at(pdb, "spec.maxUnavailable"), 1);
                assert.deepEqual(at(pdb, "spec.selector.matchLabels"), at(await deploymentOf(stack), "spec.selector.matchLabels"));
            });
            it("admits the Envoy proxies, the smoke check and the load test on 8000 and only Prometheus on 9090", async () => {
                const policy = resource(await plan(stack), "kubernetes:networking.k8s.io/v1:NetworkPolicy", "detector").inputs;
                const [api, metrics] = at(policy, "spec.ingress");
                assert.deepEqual(api.ports, [{ port: 8000, protocol: "TCP" }]);
                assert.deepEqual(api.from, [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } },
                        podSelector: {
                            matchLabels: {
                                "app.kubernetes.io/name": "envoy",
                                "app.kubernetes.io/component": "proxy",
                                "app.kubernetes.io/managed-by": "envoy-gateway",
                            },
                        },
                    },
                    { podSelector: { matchLabels: { "app.kubernetes.io/name": "smoke-check", "app.kubernetes.io/instance": stack } } },
                    { podSelector: { matchLabels: { "app.kubernetes.io/name": "load-test", "app.kubernetes.io/instance": stack } } },
                ]);
                assert.deepEqual(metrics.ports, [{ port: 9090, protocol: "TCP" }]);
                assert.deepEqual(metrics.from, [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                    },
                ]);
            });
        });
    }

    it("spreads production pods across zones, and only production", async () => {
        const spread = at(await deploymentOf("production"), "spec.template.spec.topologySpreadConstraints");
        assert.equal(spread[0].topologyKey, "topology.kubernetes.io/zone");
        assert.equal(spread[0].whenUnsatisfiable, "DoNotSchedule");
        assert.equal(at(await deploymentOf("staging"), "spec.template.spec.topologySpreadConstraints"), undefined);
    });

    it("runs production's image by digest", async () => {
        assert.match(at(await deploymentOf("production"), "spec.template.spec.containers.0.image"), /@sha256:[a-f0-9]{64}$/);
    });

    it("builds and pushes the image to an immutable, scanned ECR repository when asked to", async () => {
        const p = await plan("staging", {
            overrides: { detector: { build: { context: "../detector", dockerfile: "../detector/Dockerfile", tag: "1.5.0" } } },
        });
        // The repository is the registry stack's (infra/images), the build pushes into it.
        const repo = resource(p, "aws:ecr/repository:Repository", "images-detector").inputs;
        assert.equal(repo.imageTagMutability, "IMMUTABLE");
        assert.deepEqual(repo.imageScanningConfiguration, { scanOnPush: true });
        const image = resource(p, "docker:index/image:Image", "detector-image").inputs;
        assert.match(String(image.imageName), /pneumonia-detector:1\.5\.0$/);
        assert.match(
            at(resource(p, "kubernetes:argoproj.io/v1alpha1:Rollout", "detector").inputs, "spec.template.spec.containers.0.image"),
            /pneumonia-detector@sha256:/,
        );
        assert.equal(at(image, "registry.password"), "[secret]");
    });
});
