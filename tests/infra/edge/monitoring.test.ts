// The edge's monitoring from the other side: Probe and PodMonitor objects against the
// prometheus-operator schemas, the blackbox config against blackbox_exporter's own config check,
// the dashboard's queries against promtool's parser, and the alerts' routing against amtool.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { certificateExpiryDays, edgeAlerts, edgeJobs } from "../../../infra/edge/alerts";
import { blackboxModules, edgeDashboard, probeObject, proxyMonitorObject } from "../../../infra/edge/monitoring";
import { alertmanagerArtifact } from "../../../infra/monitoring/alertmanager";
import { receiverFor } from "../../../infra/observability/runbook";
import { dashboardExpressions } from "../../../infra/monitoring/dashboards";
import { runTool } from "../../../infra/monitoring/promtool";
import { at, plan, resourcesOf } from "../../helpers/plan";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { scratchDir, stackConfig } from "../monitoring/helpers";

describe("infra/edge monitoring", () => {
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("edge-monitoring")));
    after(() => dir.remove());
    const write = (name: string, content: string) => {
        const file = join(dir.path, name);
        writeFileSync(file, content);
        return file;
    };

    it("Probe and PodMonitor objects pass the prometheus-operator schemas; a wrong type does not", async () => {
        const probe = probeObject("monitoring", {
            name: "public-health",
            module: "https_health",
            url: "https://api.example.org/health",
            target: "public-health",
        });
        await validateKubernetesObject(probe);
        await validateKubernetesObject(proxyMonitorObject("edge"));
        const broken = structuredClone(probe) as any;
        broken.spec.targets.staticConfig.static = "https://api.example.org/health";
        await assert.rejects(validateKubernetesObject(broken));
    });

    it("production probes the public /health through the load balancer, MLflow and S3; local probes the gateway's Service", async () => {
        const urls = async (stack: string) =>
            Object.fromEntries(
                resourcesOf(await plan(stack), "kubernetes:monitoring.coreos.com/v1:Probe").map((p) => [
                    at(p.inputs, "metadata.name"),
                    [at(p.inputs, "spec.module"), at(p.inputs, "spec.targets.staticConfig.static.0")],
                ]),
            );
        assert.deepEqual(await urls("production"), {
            "edge-public-health": ["https_health", "https://detector.pneumonia.example.org/health"],
            "edge-mlflow": ["http_health", "http://mlflow.pneumonia.svc:5000/health"],
            "edge-object-store": ["tls_connect", "s3.eu-west-1.amazonaws.com:443"],
        });
        assert.deepEqual((await urls("local"))["edge-public-health"], ["https_health", "https://edge-envoy.edge.svc/health"]);
        for (const p of resourcesOf(await plan("production"), "kubernetes:monitoring.coreos.com/v1:Probe")) {
            assert.equal(at(p.inputs, "spec.jobName"), edgeJobs.probes);
            assert.equal(at(p.inputs, "spec.prober.url"), "edge-blackbox-prometheus-blackbox-exporter.monitoring.svc:9115");
        }
    });

    // Debian's prometheus-blackbox-exporter (0.23) parses the config as the chart's 0.28 does; --config.check exits non-zero on an unknown field.
    it("lets the prober through the default-deny policies to MLflow, and Prometheus to the prober and the proxies", async () => {
        const p = await plan("production");
        const policy = (name: string) =>
            resourcesOf(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find((r) => r.name === name)!.inputs as any;
        const admit = policy("mlflow-from-edge-blackbox");
        assert.equal(admit.metadata.namespace, "pneumonia");
        assert.deepEqual(admit.spec.ingress, [
            {
                ports: [{ port: 5000, protocol: "TCP" }],
                from: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                        podSelector: {
                            matchLabels: {
                                "app.kubernetes.io/name": "prometheus-blackbox-exporter",
                                "app.kubernetes.io/instance": "edge-blackbox",
                            },
                        },
                    },
                ],
            },
        ]);
        const prometheus = policy("prometheus-to-edge");
        assert.deepEqual(
            prometheus.spec.egress.map((r: any) => r.ports[0].port),
            [9115, 19001, 9106],
        );
    });

    it("the blackbox modules pass blackbox_exporter's --config.check; a misspelt field does not", async () => {
        const check = (modules: unknown) =>
            runTool(
                "prometheus-blackbox-exporter",
                [`--config.file=${write("blackbox.yaml", stringify({ modules }))}`, "--config.check"],
                dir.path,
            );
        for (const verify of [true, false]) {
            const result = await check(blackboxModules(verify));
            assert.equal(result.code, 0, result.output);
        }
        const broken = blackboxModules(true) as any;
        broken.https_health.http.fail_if_not_tls = true;
        assert.notEqual((await check(broken)).code, 0);
    });

    it("every dashboard query passes promtool's parser", async () => {
        const exprs = dashboardExpressions(edgeDashboard());
        assert.ok(exprs.length >= 6);
        for (const expr of exprs) {
            const file = write("rules.yaml", stringify({ groups: [{ name: "parse", rules: [{ record: "edge:parse", expr }] }] }));
            const result = await runTool("promtool", ["check", "rules", file], dir.path);
            assert.equal(result.code, 0, `${expr}\n${result.output}`);
        }
    });

    it("certificate expiry is SEV-3 below 21 days and SEV-2 below 7", () => {
        const tiers = edgeAlerts().filter((a) => a.name === "EdgeCertificateExpiry");
        assert.deepEqual(
            tiers.map((t) => [t.severity, t.expr.match(/< (\d+) \* 86400/)?.[1]]),
            [
                ["medium", String(certificateExpiryDays.medium)],
                ["high", String(certificateExpiryDays.high)],
            ],
        );
        assert.deepEqual(certificateExpiryDays, { medium: 21, high: 7 });
    });

    // amtool config routes test: the routing tree decides where each edge alert goes (Alertmanager docs, amtool).
    describe("routes the edge alerts by severity (amtool)", () => {
        for (const alert of edgeAlerts()) {
            const labels = [`alertname=${alert.name}`, `severity=${alert.severity}`, `service=${alert.service}`];
            it(`${labels.join(" ")} -> ${receiverFor[alert.severity]}`, async () => {
                const file = write("alertmanager.yaml", alertmanagerArtifact(stackConfig("production").monitoring));
                const ok = await runTool(
                    "amtool",
                    ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiverFor[alert.severity]}`, ...labels],
                    dir.path,
                );
                assert.equal(ok.code, 0, ok.output);
                const wrong = alert.severity === "medium" ? receiverFor.critical : receiverFor.medium;
                const mismatch = await runTool(
                    "amtool",
                    ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${wrong}`, ...labels],
                    dir.path,
                );
                assert.notEqual(mismatch.code, 0);
            });
        }
    });
});
