import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { monitoringArtifacts } from "../../../infra/monitoring/artifacts";
import { dashboardExpressions, dashboards } from "../../../infra/monitoring/dashboards";
import { modelQualityMetrics } from "../../../infra/detector/model-quality";
import { runTool } from "../../../infra/monitoring/promtool";
import { recordingGroups } from "../../../infra/monitoring/recording";
import type { MonitoringSettings } from "../../../infra/monitoring/config";
import { scratchDir, stackConfig, stacks } from "./helpers";

/** kube-prometheus-stack metrics the dashboards may use: cAdvisor, kube-state-metrics, kubelet. */
const kubePrometheusStackMetrics = [
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "kube_pod_container_resource_limits",
    "kube_pod_container_resource_requests",
    "kube_pod_container_status_restarts_total",
    "kube_deployment_status_replicas_available",
    "kube_horizontalpodautoscaler_status_desired_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "kubelet_volume_stats_available_bytes",
    "kubelet_volume_stats_capacity_bytes",
];

function allowedMetrics(config: MonitoringSettings): Set<string> {
    const m = config.detector;
    return new Set([
        ...kubePrometheusStackMetrics,
        ...recordingGroups(config).flatMap((g) => g.rules.map((r) => r.record)),
        m.inferenceTotal,
        m.errorTotal,
        m.cpuPercent,
        m.memoryPercent,
        ...["bucket", "sum", "count"].map((s) => `${m.inferenceDuration}_${s}`),
        // The backup freshness contract (platform contracts, backups section).
        "pneumonia_backup_last_duration_seconds",
        "pneumonia_backup_last_size_bytes",
        ...modelQualityMetrics(config),
    ]);
}

/** Metric names in an expression: identifiers right before a label selector. */
function metricsIn(expr: string): string[] {
    return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((match) => match[1]);
}

describe("monitoring: Grafana dashboards", () => {
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("dashboards")));
    after(() => dir.remove());

    const parseAll = async (exprs: string[]) => {
        const file = join(dir.path, "dashboard-queries.yaml");
        const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr }));
        writeFileSync(file, stringify({ groups: [{ name: "dashboard-queries", rules }] }));
        return runTool("promtool", ["check", "rules", file], dir.path);
    };

    for (const stack of stacks) {
        const config = stackConfig(stack);
        for (const dashboard of dashboards(config.monitoring, config.kubernetes.appNamespace)) {
            it(`${stack}: every query of ${dashboard.uid} passes promtool's parser`, async () => {
                const result = await parseAll(dashboardExpressions(dashboard));
                assert.equal(result.code, 0, result.output);
            });

            it(`${stack}: ${dashboard.uid} reads only contract, recorded and kube-prometheus-stack metrics`, () => {
                const allowed = allowedMetrics(config.monitoring);
                const used = dashboardExpressions(dashboard).flatMap(metricsIn);
                assert.ok(used.length > 0);
                assert.deepEqual(
                    used.filter((name) => !allowed.has(name)),
                    [],
                );
            });
        }
    }

    it("the parser check fails on a broken query (the check can fail)", async () => {
        const result = await parseAll(["sum(rate(inference_total[5m])"]);
        assert.notEqual(result.code, 0);
    });

    it("a metric outside the contract is caught", () => {
        const allowed = allowedMetrics(stackConfig("production").monitoring);
        assert.deepEqual(
            metricsIn('rate(flask_http_request_total{job="mlflow"}[5m])').filter((n) => !allowed.has(n)),
            ["flask_http_request_total"],
        );
    });

    it("the detector dashboard has the panels the issue lists, with the manual's limits drawn", () => {
        const config = stackConfig("production");
        const [detector] = dashboards(config.monitoring, config.kubernetes.appNamespace);
        const panels = detector.json.panels as Array<{
            title: string;
            gridPos: { x: number; w: number };
            fieldConfig: { defaults: { thresholds: { steps: Array<{ value: number | null }> } } };
        }>;
        const titles = panels.map((p) => p.title).join(" | ");
        for (const title of [
            "Request rate",
            "Success rate",
            "Error rate",
            "latency",
            "SLO budget",
            "CPU against limit",
            "Memory against limit",
            "Replicas",
            "Disk free",
            "Backup age",
        ]) {
            assert.ok(titles.includes(title), `missing ${title}`);
        }
        const latency = panels.find((p) => p.title.includes("latency"))!;
        assert.ok(latency.fieldConfig.defaults.thresholds.steps.some((s) => s.value === 2));
        for (const p of panels) assert.ok(p.gridPos.x + p.gridPos.w <= 24, p.title);
        assert.equal(new Set(panels.map((p: any) => p.id)).size, panels.length);
    });

    it("monitoringArtifacts writes rules, the Alertmanager config and one JSON file per dashboard", () => {
        const paths = monitoringArtifacts(stackConfig("staging")).map((a) => a.path);
        assert.deepEqual(paths, [
            "prometheus/rules.yaml",
            "alertmanager/alertmanager.yaml",
            "grafana/pneumonia-detector.json",
            "grafana/pneumonia-platform.json",
            "grafana/pneumonia-model.json",
            "grafana/pneumonia-capacity.json",
        ]);
        for (const artifact of monitoringArtifacts(stackConfig("staging")).filter((a) => a.path.endsWith(".json")))
            JSON.parse(artifact.content);
    });
});
