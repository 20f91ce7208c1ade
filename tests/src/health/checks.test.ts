import * as assert from "node:assert/strict";
import { fetchHttp, runHealthCheck, type CheckLine, type HealthSettings } from "../../../src/health/checks";
import { docsConfig } from "../../../src/monitoring/docs";
import { healthyScenario, replicaSet, startFakeServices, type FakeServices, type RawSeries, type Scenario } from "./fake-services";

const settings: HealthSettings = {
    appNamespace: "pneumonia",
    metrics: {
        job: "pneumonia-detector",
        inferenceTotal: "inference_total",
        errorTotal: "error_total",
        inferenceDuration: "inference_duration_seconds",
        cpuPercent: "cpu_percent",
        memoryPercent: "memory_percent",
    },
    backupsJob: "pneumonia-backup",
    // The production limits, derived from the default schedules as the alerts' are.
    backupFreshness: docsConfig.backupFreshness,
    deployments: ["mlflow"],
    rollouts: ["detector"],
    window: "1h",
};

const hour = 3600;

/** Sets one kube-state-metrics series' value, found by metric name and a label. */
function setSeries(s: Scenario, name: string, label: [string, string], value: number): void {
    const found = s.kubeStateMetrics.find((m) => m.name === name && m.labels[label[0]] === label[1]);
    assert.ok(found, `no ${name}{${label[0]}="${label[1]}"} in the scenario`);
    found.value = value;
}

const dropSeries = (s: Scenario, keep: (m: RawSeries) => boolean) => void (s.kubeStateMetrics = s.kubeStateMetrics.filter(keep));

function failing(lines: CheckLine[]): string[] {
    return lines.filter((l) => !l.ok).map((l) => l.check);
}

function line(lines: CheckLine[], check: string): CheckLine {
    const found = lines.find((l) => l.check === check);
    assert.ok(found, `no line "${check}" in: ${lines.map((l) => l.check).join(", ")}`);
    return found;
}

describe("health check", () => {
    let services: FakeServices;
    before(async () => {
        services = await startFakeServices();
    });
    after(async () => {
        await services.stop();
    });

    async function check(change: (s: Scenario) => void = () => undefined): Promise<CheckLine[]> {
        const scenario = healthyScenario();
        change(scenario);
        services.scenario = scenario;
        return runHealthCheck(settings, services.endpoints, fetchHttp(2000));
    }

    it("passes every line against healthy services", async () => {
        const lines = await check();
        assert.deepEqual(failing(lines), []);
        assert.deepEqual(
            lines.map((l) => l.check),
            [
                "detector /health",
                "mlflow /health",
                "replicas ready: deployment/mlflow",
                "replicas ready: rollout/detector",
                "replicas ready: statefulset/postgres",
                "firing alerts",
                "error rate",
                "avg inference latency",
                "detector CPU",
                "detector memory",
                "disk free (nodes)",
                "disk free (volumes)",
                "paging alerts in last 24 h",
                "backup age: db",
                "backup age: models",
                "backup age: config",
                "backup age: verify",
            ],
        );
        assert.equal(line(lines, "error rate").value, "0.2 %");
        // The stable ReplicaSet's 3 and the old revision's 0.
        assert.equal(line(lines, "replicas ready: rollout/detector").value, "3/3");
    });

    it("asks Prometheus with the stack's metric names, namespace and window", async () => {
        services.queries.length = 0;
        await check();
        assert.ok(services.queries.includes('kube_deployment_spec_replicas{namespace="pneumonia"}'));
        assert.ok(
            services.queries.includes(
                'sum by (owner_name) (kube_replicaset_status_ready_replicas{namespace="pneumonia"} * on (namespace, replicaset) group_left (owner_name) kube_replicaset_owner{namespace="pneumonia", owner_kind="Rollout"})',
            ),
        );
        assert.ok(
            services.queries.includes(
                'sum(rate(error_total{job="pneumonia-detector"}[1h])) / sum(rate(inference_total{job="pneumonia-detector"}[1h]))',
            ),
        );
        assert.ok(services.queries.some((q) => q.includes('pneumonia_backup_last_success_timestamp_seconds{job="pneumonia-backup"}')));
    });

    const failures: [string, (s: Scenario) => void, string, RegExp?][] = [
        ["the detector answers 503", (s) => void (s.detectorStatus = 503), "detector /health", /HTTP 503/],
        ["MLflow answers 500", (s) => void (s.mlflowStatus = 500), "mlflow /health", /HTTP 500/],
        [
            "a detector replica is not ready",
            (s) => setSeries(s, "kube_replicaset_status_ready_replicas", ["replicaset", "detector-5f6b7c8d9"], 2),
            "replicas ready: rollout/detector",
            /^2\/3$/,
        ],
        [
            "the detector's canary pod is not ready yet",
            (s) =>
                void s.kubeStateMetrics.push(...replicaSet("pneumonia", "detector-9a1b2c3d4", { kind: "Rollout", name: "detector" }, 1, 0)),
            "replicas ready: rollout/detector",
            /^3\/4$/,
        ],
        [
            "kube-state-metrics has no ReplicaSet owned by the detector Rollout",
            (s) => dropSeries(s, (m) => !(m.name === "kube_replicaset_owner" && m.labels.owner_name === "detector")),
            "replicas ready: rollout/detector",
            /not found/,
        ],
        [
            "an MLflow replica is unavailable",
            (s) => setSeries(s, "kube_deployment_status_replicas_available", ["deployment", "mlflow"], 0),
            "replicas ready: deployment/mlflow",
            /^0\/1$/,
        ],
        [
            "kube-state-metrics does not know the mlflow deployment",
            (s) => dropSeries(s, (m) => !(m.name === "kube_deployment_spec_replicas" && m.labels.deployment === "mlflow")),
            "replicas ready: deployment/mlflow",
            /not found/,
        ],
        [
            "Postgres is not ready",
            (s) => setSeries(s, "kube_statefulset_status_replicas_ready", ["statefulset", "postgres"], 0),
            "replicas ready: statefulset/postgres",
            /^0\/1$/,
        ],
        [
            "a critical alert is firing",
            (s) => void s.alerts.push({ labels: { alertname: "DetectorDown", severity: "critical" } }),
            "firing alerts",
            /DetectorDown\(critical\)/,
        ],
        ["the error rate is 3 %", (s) => void (s.prometheus.errorRate[0].value = 0.03), "error rate", /^3\.0 %$/],
        ["average latency is 2.5 s", (s) => void (s.prometheus.latency[0].value = 2.5), "avg inference latency", /^2\.50 s$/],
        ["CPU is at 85 %", (s) => void (s.prometheus.cpu[0].value = 85), "detector CPU"],
        ["memory is at 90 %", (s) => void (s.prometheus.memory[0].value = 90), "detector memory"],
        ["the detector's CPU gauge is missing", (s) => void delete s.prometheus.cpu, "detector CPU", /^no data$/],
        ["a node has 10 % disk free", (s) => void (s.prometheus.diskNodes[0].value = 10), "disk free (nodes)", /^10\.0 %$/],
        ["a volume has 15 % free", (s) => void (s.prometheus.diskVolumes[0].value = 15), "disk free (volumes)"],
        ["a critical alert fired overnight", (s) => void (s.prometheus.alerts24h = [{ value: 1 }]), "paging alerts in last 24 h"],
        ["the last db backup is 30 h old", (s) => void (s.prometheus.backupAges[0].value = 30 * hour), "backup age: db", /^30\.0 h$/],
        [
            "the last db backup is 27 h old (its limit is 26 h)",
            (s) => void (s.prometheus.backupAges[0].value = 27 * hour),
            "backup age: db",
            /^27\.0 h$/,
        ],
        [
            "no models backup ever succeeded",
            (s) => {
                s.prometheus.backupAges = s.prometheus.backupAges.filter((b) => b.labels?.kind !== "models");
            },
            "backup age: models",
            /no successful backup/,
        ],
        [
            "the last config backup run failed",
            (s) => void (s.prometheus.backupFailedSince = [{ labels: { kind: "config" }, value: 1 }]),
            "backup age: config",
            /last run failed/,
        ],
    ];
    for (const [label, change, expected, value] of failures) {
        it(`fails only "${expected}" when ${label}`, async () => {
            const lines = await check(change);
            assert.deepEqual(failing(lines), [expected]);
            if (value) assert.match(line(lines, expected).value, value);
        });
    }

    it("counts a Rollout's canary and stable ReplicaSets together, and never a Deployment's", async () => {
        const lines = await check((s) => {
            s.kubeStateMetrics.push(...replicaSet("pneumonia", "detector-9a1b2c3d4", { kind: "Rollout", name: "detector" }, 1, 1));
            // A ReplicaSet of a Deployment in the namespace: its replicas are the Deployment's line, not a rollout's.
            s.kubeStateMetrics.push(...replicaSet("pneumonia", "mlflow-0e1f2a3b4", { kind: "Deployment", name: "mlflow" }, 2, 0));
        });
        assert.deepEqual(failing(lines), []);
        assert.equal(line(lines, "replicas ready: rollout/detector").value, "4/4");
        assert.deepEqual(
            lines.filter((l) => l.check.startsWith("replicas ready: rollout/")).map((l) => l.check),
            ["replicas ready: rollout/detector"],
        );
    });

    it("the fake Prometheus refuses a query it cannot evaluate instead of answering empty", async () => {
        for (const promql of [
            'kube_rollout_spec_replicas{namespace="pneumonia"}',
            'kube_deployment_spec_replicas{namespace=~"pneumonia"}',
            "up",
        ]) {
            const response = await fetch(`${services.endpoints.prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`);
            assert.equal(response.status, 400, promql);
            assert.equal(((await response.json()) as { errorType: string }).errorType, "bad_data");
        }
    });

    it("passes a weekly verify 6 days old: each kind has its own limit, the same the alerts use", async () => {
        const lines = await check((s) => void (s.prometheus.backupAges.find((b) => b.labels?.kind === "verify")!.value = 6 * 24 * hour));
        assert.deepEqual(failing(lines), []);
        assert.equal(line(lines, "backup age: verify").expected, "< 172 h");
        assert.equal(line(lines, "backup age: db").expected, "< 26 h");
    });

    it("passes a low-severity alert but lists it, and ignores the Watchdog", async () => {
        const lines = await check((s) => void s.alerts.push({ labels: { alertname: "DetectorCpuTrend", severity: "low" } }));
        assert.deepEqual(failing(lines), []);
        assert.equal(line(lines, "firing alerts").value, "DetectorCpuTrend(low)");
    });

    it("passes error rate and latency with no traffic (0/0)", async () => {
        const lines = await check((s) => {
            s.prometheus.errorRate = [{ value: "NaN" }];
            s.prometheus.latency = [{ value: "NaN" }];
        });
        assert.deepEqual(failing(lines), []);
        assert.equal(line(lines, "error rate").value, "no traffic");
    });

    it("fails every Prometheus line, with the error, when queries are rejected", async () => {
        const lines = await check((s) => void (s.prometheusBroken = true));
        const prometheusLines = lines.filter((l) => !["detector /health", "mlflow /health", "firing alerts"].includes(l.check));
        assert.ok(prometheusLines.length > 5);
        for (const l of prometheusLines) {
            assert.equal(l.ok, false, l.check);
            assert.match(l.value, /prometheus HTTP 400: parse error/);
        }
        assert.equal(line(lines, "firing alerts").ok, true);
    });

    it("fails the lines of a service that cannot be reached", async () => {
        const dead = await startFakeServices();
        const endpoints = { ...services.endpoints, alertmanager: dead.endpoints.alertmanager, detector: dead.endpoints.detector };
        await dead.stop();
        services.scenario = healthyScenario();
        const lines = await runHealthCheck(settings, endpoints, fetchHttp(2000));
        assert.deepEqual(failing(lines), ["detector /health", "firing alerts"]);
        assert.match(line(lines, "firing alerts").value, /alertmanager unreachable \(ECONNREFUSED\)/);
    });
});
