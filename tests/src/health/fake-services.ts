// Stand-ins for the detector, MLflow, Prometheus and Alertmanager: Node http servers on 127.0.0.1
// and random ports, answering from a scenario the test can change between runs.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthEndpoints } from "../../../src/health/checks";

type Series = { labels?: Record<string, string>; value: number | "NaN" }[];

export interface Scenario {
    detectorStatus: number;
    mlflowStatus: number;
    /** Alertmanager's active, unsilenced alerts. */
    alerts: { labels: Record<string, string> }[];
    /** Prometheus answers keyed by the metric a query is about (see `metricOf`); a missing key is an empty result. */
    prometheus: Record<string, Series>;
    /** Makes every Prometheus query answer HTTP 400 bad_data. */
    prometheusBroken?: boolean;
}

const hour = 3600;

export function healthyScenario(): Scenario {
    return {
        detectorStatus: 200,
        mlflowStatus: 200,
        alerts: [{ labels: { alertname: "Watchdog", severity: "none" } }],
        prometheus: {
            deploymentsDesired: [
                { labels: { deployment: "detector" }, value: 3 },
                { labels: { deployment: "mlflow" }, value: 1 },
            ],
            deploymentsAvailable: [
                { labels: { deployment: "detector" }, value: 3 },
                { labels: { deployment: "mlflow" }, value: 1 },
            ],
            statefulSetsDesired: [{ labels: { statefulset: "postgres" }, value: 1 }],
            statefulSetsReady: [{ labels: { statefulset: "postgres" }, value: 1 }],
            errorRate: [{ value: 0.002 }],
            latency: [{ value: 0.8 }],
            cpu: [{ value: 35 }],
            memory: [{ value: 60 }],
            diskNodes: [{ value: 55 }],
            diskVolumes: [{ value: 70 }],
            backupAges: ["db", "models", "config", "verify"].map((kind) => ({ labels: { kind }, value: 5 * hour })),
        },
    };
}

/** Which scenario entry a query asks for, by the metric it uses (the failure query before the success one). */
function metricOf(promql: string): string {
    const keys: [RegExp, string][] = [
        [/^kube_deployment_spec_replicas/, "deploymentsDesired"],
        [/^kube_deployment_status_replicas_available/, "deploymentsAvailable"],
        [/^kube_statefulset_replicas/, "statefulSetsDesired"],
        [/^kube_statefulset_status_replicas_ready/, "statefulSetsReady"],
        [/pneumonia_backup_last_failure_timestamp_seconds/, "backupFailedSince"],
        [/pneumonia_backup_last_success_timestamp_seconds/, "backupAges"],
        [/error_total/, "errorRate"],
        [/inference_duration_seconds_sum/, "latency"],
        [/cpu_percent/, "cpu"],
        [/memory_percent/, "memory"],
        [/node_filesystem_avail_bytes/, "diskNodes"],
        [/kubelet_volume_stats/, "diskVolumes"],
        [/ALERTS/, "alerts24h"],
    ];
    return keys.find(([re]) => re.test(promql))?.[1] ?? "unknown";
}

export interface FakeServices {
    endpoints: HealthEndpoints;
    scenario: Scenario;
    /** Every PromQL query received, for assertions on what was asked. */
    queries: string[];
    stop(): Promise<void>;
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
    const server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function startFakeServices(scenario: Scenario = healthyScenario()): Promise<FakeServices> {
    const state = { scenario, queries: [] as string[] };
    const health = (which: "detectorStatus" | "mlflowStatus"): http.RequestListener => (req, res) => {
        if (req.url !== "/health") return void res.writeHead(404).end();
        res.writeHead(state.scenario[which]).end(state.scenario[which] === 200 ? "OK" : "unhealthy");
    };
    const detector = await listen(health("detectorStatus"));
    const mlflow = await listen(health("mlflowStatus"));
    const prometheus = await listen((req, res) => {
        const url = new URL(req.url ?? "/", "http://fake");
        if (url.pathname !== "/api/v1/query") return void res.writeHead(404).end();
        const promql = url.searchParams.get("query") ?? "";
        state.queries.push(promql);
        if (state.scenario.prometheusBroken) return json(res, 400, { status: "error", errorType: "bad_data", error: "parse error" });
        const series = state.scenario.prometheus[metricOf(promql)] ?? [];
        const now = Date.now() / 1000;
        json(res, 200, {
            status: "success",
            data: { resultType: "vector", result: series.map((s) => ({ metric: s.labels ?? {}, value: [now, String(s.value)] })) },
        });
    });
    const alertmanager = await listen((req, res) => {
        const url = new URL(req.url ?? "/", "http://fake");
        if (url.pathname !== "/api/v2/alerts") return void res.writeHead(404).end();
        json(res, 200, state.scenario.alerts.map((a) => ({ ...a, status: { state: "active", silencedBy: [], inhibitedBy: [] } })));
    });
    const servers = [detector, mlflow, prometheus, alertmanager];
    return {
        endpoints: { detector: detector.url, mlflow: mlflow.url, prometheus: prometheus.url, alertmanager: alertmanager.url },
        get scenario() {
            return state.scenario;
        },
        set scenario(s: Scenario) {
            state.scenario = s;
        },
        queries: state.queries,
        stop: async () => {
            await Promise.all(servers.map(
                    ({ server }) =>
                        new Promise<void>((resolve) => {
                            server.close(() => resolve());
                            // fetch keeps connections alive; close() alone would wait for them to time out.
                            server.closeAllConnections();
                        }),
                ),);
        },
    };
}
