// The log pipeline as the real program plans it for each stack (the SDK's mock runtime), every
// Kubernetes object validated against the Kubernetes OpenAPI schemas.
import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../../infra/config";
import { loggingArtifacts } from "../../../infra/logging";
import { edgeNamespace } from "../../../infra/edge";
import { chartNames } from "../../../infra/monitoring/values";
import { kubePrometheusStack } from "../../../infra/platform/charts";
import { agentNamespaceSuffix } from "../../../infra/logging/values";
import { alloyChart, lokiChart } from "../../../infra/platform/charts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubernetesObjects, writeArtifacts } from "../../../src/plan/render";
import type { Plan, PlannedResource } from "../../../src/plan/run";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { at, plan, resource, resourcesOf, stacks } from "../../helpers/plan";

const loggingChildren = (p: Plan) => {
    const parent = p.resources.find((r) => r.type === "pneumonia:logging:Logging")!;
    const below = new Set([parent.urn]);
    for (const r of p.resources) if (r.parent && below.has(r.parent)) below.add(r.urn);
    return p.resources.filter((r) => below.has(r.urn) && r.urn !== parent.urn);
};
const networkPolicy = (p: Plan, name: string): any =>
    resourcesOf(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => at(r.inputs, "metadata.name") === name)!.inputs;

describe("logging: the planned stacks", () => {
    for (const stack of stacks) {
        describe(stack, () => {
            let p: Plan;
            before(async () => (p = await plan(stack)));

            it("installs the pinned Loki and Alloy charts: Loki beside Grafana, the agent in its own namespace", () => {
                const loki = resource(p, "kubernetes:helm.sh/v3:Release", "logging-loki").inputs as any;
                assert.deepEqual(
                    [loki.chart, loki.version, loki.repositoryOpts.repo, loki.namespace],
                    [lokiChart.chart, lokiChart.version, lokiChart.repo, "monitoring"],
                );
                const agent = resource(p, "kubernetes:helm.sh/v3:Release", "logging-agent").inputs as any;
                assert.deepEqual(
                    [agent.chart, agent.version, agent.repositoryOpts.repo, agent.namespace],
                    [alloyChart.chart, alloyChart.version, alloyChart.repo, `monitoring${agentNamespaceSuffix}`],
                );
                assert.equal(loki.values.deploymentMode, stack === "production" ? "Distributed" : "Monolithic");
                assert.equal(loki.values.loki.limits_config.retention_period, `${(stack === "staging" ? 7 : 30) * 24}h`);
            });

            it("runs the agent with the configuration plan --out writes for review", () => {
                const agent = resource(p, "kubernetes:helm.sh/v3:Release", "logging-agent").inputs as any;
                const artifact = loggingArtifacts(parsePlatformConfig(p.config, p.stack)).find((a) => a.path === "alloy/config.alloy")!;
                assert.equal(agent.values.alloy.configMap.content, artifact.content);
                assert.match(artifact.content, /loki\.source\.kubernetes_events "events"/);
                // The chart's Service for pushes: the distributor in Distributed mode, the single binary otherwise.
                const push = stack === "production" ? "loki-distributor" : "loki";
                assert.ok(
                    artifact.content.includes(`url = "http://${push}.monitoring.svc.cluster.local:3100/loki/api/v1/push"`),
                    artifact.content,
                );
            });

            it("collects the edge's namespace, where the front door's Envoy proxies write the access log", () => {
                const agent = resource(p, "kubernetes:helm.sh/v3:Release", "logging-agent").inputs as any;
                assert.ok(
                    agent.values.alloy.configMap.content.includes(`names = ["pneumonia", "monitoring", ${JSON.stringify(edgeNamespace)}]`),
                    agent.values.alloy.configMap.content,
                );
                const edge = resourcesOf(p, "kubernetes:core/v1:Namespace").find((r) => at(r.inputs, "metadata.name") === edgeNamespace);
                assert.ok(edge, "the collected edge namespace is the one the edge creates");
            });

            it("writes the ruler's recorded series to the Prometheus that accepts remote write, through the network policies", () => {
                const loki = resource(p, "kubernetes:helm.sh/v3:Release", "logging-loki").inputs as any;
                // Prometheus serves remote write at /api/v1/write when started with --web.enable-remote-write-receiver
                // (prometheus.io/docs/prometheus/latest/querying/api/#remote-write-receiver), which the operator
                // sets from Prometheus spec.enableRemoteWriteReceiver (kube-prometheus-stack prometheus.prometheusSpec).
                assert.deepEqual(loki.values.loki.rulerConfig.remote_write, {
                    enabled: true,
                    clients: {
                        prometheus: { url: `http://${chartNames.prometheusService}.monitoring.svc.cluster.local:9090/api/v1/write` },
                    },
                });
                const stackRelease = resourcesOf(p, "kubernetes:helm.sh/v3:Release").find(
                    (r) => (r.inputs as any).chart === kubePrometheusStack.chart,
                )!.inputs as any;
                assert.equal(stackRelease.values.prometheus.prometheusSpec.enableRemoteWriteReceiver, true);
                const lokiPolicy = networkPolicy(p, "loki");
                assert.ok(
                    lokiPolicy.spec.egress.some(
                        (r: any) => r.ports[0].port === 9090 && r.to[0].podSelector.matchLabels["app.kubernetes.io/name"] === "prometheus",
                    ),
                    "Loki may send to Prometheus",
                );
                const prometheus = networkPolicy(p, "prometheus-from-loki");
                assert.deepEqual(prometheus.spec.ingress, [
                    {
                        ports: [{ port: 9090, protocol: "TCP" }],
                        from: [
                            { podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki" } } },
                        ],
                    },
                ]);
            });

            it("plan --out writes the Loki rules and the agent configuration for review", () => {
                const dir = mkdtempSync(join(tmpdir(), "logging-out-"));
                try {
                    const written = writeArtifacts(p, dir);
                    for (const file of ["loki/rules.yaml", "alloy/config.alloy"]) assert.ok(written.includes(join(dir, file)), file);
                    const agent = resource(p, "kubernetes:helm.sh/v3:Release", "logging-agent").inputs as any;
                    assert.equal(readFileSync(join(dir, "alloy/config.alloy"), "utf8"), agent.values.alloy.configMap.content);
                } finally {
                    rmSync(dir, { recursive: true, force: true });
                }
            });

            it("gives Grafana the Loki data source and the logs dashboard, and Loki's ruler its rules", () => {
                const kps = resource(p, "kubernetes:helm.sh/v3:Release", "monitoring").inputs as any;
                assert.deepEqual(
                    kps.values.grafana.additionalDataSources.map((d: any) => [d.type, d.uid, d.url]),
                    [["loki", "loki", "http://loki-query:3100"]],
                );
                const query = resource(p, "kubernetes:core/v1:Service", "logging-query").inputs as any;
                assert.equal(query.metadata.name, "loki-query");
                assert.equal(query.metadata.namespace, "monitoring", "the data source's short name resolves from Grafana's namespace");
                const rules = resource(p, "kubernetes:core/v1:ConfigMap", "logging-rules").inputs as any;
                assert.equal(rules.metadata.labels.loki_rule, "1");
                assert.equal(
                    rules.data["pneumonia.yaml"],
                    loggingArtifacts(parsePlatformConfig(p.config, p.stack)).find((a) => a.path === "loki/rules.yaml")!.content,
                );
                const dashboard = resource(p, "kubernetes:core/v1:ConfigMap", "logging-dashboard").inputs as any;
                assert.equal(dashboard.metadata.labels.grafana_dashboard, "1");
            });

            it("admits only the agent, Grafana, Prometheus and Loki itself to Loki, and lets the agent reach only Loki, DNS and the API server", () => {
                const loki = networkPolicy(p, "loki");
                const http = loki.spec.ingress.find((r: any) => r.ports[0].port === 3100);
                assert.deepEqual(
                    http.from.map((f: any) => [
                        f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? "(own)",
                        f.podSelector.matchLabels["app.kubernetes.io/name"],
                    ]),
                    [
                        [`monitoring${agentNamespaceSuffix}`, "alloy"],
                        ["(own)", "grafana"],
                        ["monitoring", "prometheus"],
                        ["(own)", "loki"],
                    ],
                );
                for (const rule of loki.spec.ingress) assert.ok(rule.from?.length > 0, "no rule admits everyone");
                const agent = networkPolicy(p, "logs-agent");
                assert.deepEqual(
                    agent.spec.egress.map((r: any) => r.ports[0].port),
                    [3100, 12345, 53, 53, 443, 6443],
                );
                assert.deepEqual(
                    agent.spec.egress[1].to,
                    [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "alloy", "app.kubernetes.io/instance": "logs-alloy" } } }],
                    "gossip only among agents",
                );
                assert.equal(agent.spec.egress[0].to[0].podSelector.matchLabels["app.kubernetes.io/name"], "loki");
                const alertmanager = networkPolicy(p, "alertmanager-from-loki");
                assert.deepEqual(alertmanager.spec.policyTypes, ["Ingress"]);
                assert.deepEqual(
                    alertmanager.spec.ingress,
                    [
                        {
                            ports: [{ port: 9093, protocol: "TCP" }],
                            from: [
                                {
                                    podSelector: {
                                        matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki" },
                                    },
                                },
                            ],
                        },
                    ],
                    "the ruler reaches Alertmanager",
                );
                const grafana = networkPolicy(p, "grafana-to-loki");
                assert.deepEqual(grafana.spec.egress, [
                    {
                        ports: [{ port: 3100, protocol: "TCP" }],
                        to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": "loki" } } }],
                    },
                ]);
            });

            it("renders Kubernetes objects the API server accepts", async () => {
                const children = new Set(loggingChildren(p).map((r) => r.urn));
                const objects = kubernetesObjects(p).filter((r: PlannedResource) => children.has(r.urn));
                assert.ok(objects.length >= 8);
                for (const o of objects) await validateKubernetesObject(o.inputs);
            });

            if (stack === "local") {
                it("stores logs in the in-cluster store, its keys in a Secret of Loki's namespace", () => {
                    const secret = resource(p, "kubernetes:core/v1:Secret", "logging-object-store").inputs as any;
                    assert.equal(secret.metadata.namespace, "monitoring");
                    assert.equal(secret.stringData.AWS_SECRET_ACCESS_KEY, "[secret]");
                    const values = (resource(p, "kubernetes:helm.sh/v3:Release", "logging-loki").inputs as any).values;
                    assert.equal(values.loki.storage.bucketNames.chunks, "loki-logs");
                    assert.match(values.loki.storage.s3.endpoint, /^http:\/\/object-store\.pneumonia\.svc/);
                    assert.ok(
                        !JSON.stringify(values).includes(
                            String(
                                (resource(p, "kubernetes:core/v1:Secret", "logging-object-store").props as any).stringData
                                    .AWS_SECRET_ACCESS_KEY,
                            ),
                        ),
                        "no key in the Helm values",
                    );
                    const mb = resourcesOf(p, "kubernetes:batch/v1:Job").find(
                        (j) => at(j.inputs, "metadata.name") === "object-store-buckets",
                    )!;
                    assert.match(JSON.stringify(mb.inputs), /mc mb --ignore-existing store\/loki-logs/);
                    const fromLoki = networkPolicy(p, "object-store-from-loki");
                    assert.equal(fromLoki.metadata.namespace, "pneumonia");
                    assert.deepEqual(fromLoki.spec.ingress[0].ports, [{ port: 9000, protocol: "TCP" }]);
                });
            } else {
                it("stores logs in a KMS-encrypted, TLS-only S3 bucket whose lifecycle outlives the longest class, reached through IRSA", () => {
                    const bucket = p.resources.find((r) => r.type === "pneumonia:storage:SecureBucket" && r.name === "logs");
                    assert.ok(bucket, "the logs bucket is a SecureBucket");
                    const lifecycle = resource(p, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "logs").inputs as any;
                    const expiry = lifecycle.rules[0].expiration.days;
                    const longest = Math.max(...Object.values(parsePlatformConfig(p.config, p.stack).logging.retentionDays));
                    assert.ok(expiry >= longest, `lifecycle ${expiry} d >= longest class ${longest} d`);
                    const role = resource(p, "aws:iam/role:Role", "loki").inputs as any;
                    const trust = JSON.parse(role.assumeRolePolicy);
                    assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals).sort(), [
                        "sts.amazonaws.com",
                        "system:serviceaccount:monitoring:loki",
                    ]);
                    const policy = JSON.parse((resource(p, "aws:iam/rolePolicy:RolePolicy", "loki").inputs as any).policy);
                    assert.deepEqual(policy.Statement.flatMap((s: any) => s.Action).sort(), [
                        "kms:Decrypt",
                        "kms:GenerateDataKey",
                        "s3:DeleteObject",
                        "s3:GetObject",
                        "s3:ListBucket",
                        "s3:PutObject",
                    ]);
                    const values = (resource(p, "kubernetes:helm.sh/v3:Release", "logging-loki").inputs as any).values;
                    assert.match(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::/);
                    assert.equal(values.loki.storage.s3.endpoint, undefined, "AWS S3, not an in-cluster store");
                });
            }
        });
    }
});
