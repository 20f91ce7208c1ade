// Stand-ins for the detector, MLflow, Prometheus and Alertmanager: Node http servers on 127.0.0.1
// and random ports, answering from a scenario the test can change between runs.
//
// The replica queries are evaluated, as Prometheus would, over raw series named and labelled as
// kube-state-metrics exposes them (https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/replicaset-metrics.md,
// deployment-metrics.md, statefulset-metrics.md), with PromQL's rules for selectors, `on`/`group_left`
// matching and `sum by` (https://prometheus.io/docs/prometheus/latest/querying/operators/#vector-matching);
// replicas-prometheus.test.ts checks the same answers against a real Prometheus. Any query the fake
// cannot evaluate is refused with HTTP 400, so a changed query cannot pass on an empty answer.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthEndpoints, HealthSettings } from "../../../src/health/checks";

type Series = { labels?: Record<string, string>; value: number | "NaN" }[];

/** One series as kube-state-metrics exposes it: metric name, labels, value. */
/** What the health check reads of a stack, as the fake services expose it (short metric names). */
export function fakeHealthSettings(rollouts: string[]): HealthSettings {
    return {
        appNamespace: "pneumonia",
        metrics: {
            job: "pneumonia-detector",
            inferenceTotal: "i",
            errorTotal: "e",
            inferenceDuration: "d",
            cpuPercent: "c",
            memoryPercent: "m",
        },
        backupsJob: "pneumonia-backup",
        backupFreshness: {},
        deployments: ["mlflow"],
        rollouts,
        window: "1h",
    };
}

export interface RawSeries {
    name: string;
    labels: Record<string, string>;
    value: number;
}

export interface Scenario {
    detectorStatus: number;
    mlflowStatus: number;
    /** Alertmanager's active, unsilenced alerts. */
    alerts: { labels: Record<string, string> }[];
    /** Prometheus answers keyed by the metric a query is about (see `metricOf`); a missing key is an empty result. */
    prometheus: Record<string, Series>;
    /** What kube-state-metrics exposes; the replica queries are evaluated over these. */
    kubeStateMetrics: RawSeries[];
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
            errorRate: [{ value: 0.002 }],
            latency: [{ value: 0.8 }],
            cpu: [{ value: 35 }],
            memory: [{ value: 60 }],
            diskNodes: [{ value: 55 }],
            diskVolumes: [{ value: 70 }],
            backupAges: ["db", "models", "config", "verify"].map((kind) => ({ labels: { kind }, value: 5 * hour })),
        },
        kubeStateMetrics: [
            ...deployment("pneumonia", "mlflow", 1, 1),
            // Another namespace's workload, which the check must not count.
            ...deployment("kube-system", "coredns", 2, 0),
            // MLflow's own ReplicaSet: owned by a Deployment, so never a rollout line.
            ...replicaSet("pneumonia", "mlflow-7d9f8b6c5", { kind: "Deployment", name: "mlflow" }, 1, 1),
            // The detector Rollout: its stable ReplicaSet, and the previous revision scaled to 0.
            ...replicaSet("pneumonia", "detector-5f6b7c8d9", { kind: "Rollout", name: "detector" }, 3, 3),
            ...replicaSet("pneumonia", "detector-84c2d1e0f", { kind: "Rollout", name: "detector" }, 0, 0),
            ...statefulSet("pneumonia", "postgres", 1, 1),
        ],
    };
}

export function deployment(namespace: string, name: string, desired: number, available: number): RawSeries[] {
    const labels = { namespace, deployment: name };
    return [
        { name: "kube_deployment_spec_replicas", labels, value: desired },
        { name: "kube_deployment_status_replicas_available", labels, value: available },
    ];
}

export function replicaSet(
    namespace: string,
    name: string,
    owner: { kind: string; name: string },
    desired: number,
    ready: number,
): RawSeries[] {
    const labels = { namespace, replicaset: name };
    return [
        {
            name: "kube_replicaset_owner",
            labels: { ...labels, owner_kind: owner.kind, owner_name: owner.name, owner_is_controller: "true" },
            value: 1,
        },
        { name: "kube_replicaset_spec_replicas", labels, value: desired },
        { name: "kube_replicaset_status_ready_replicas", labels, value: ready },
    ];
}

export function statefulSet(namespace: string, name: string, desired: number, ready: number): RawSeries[] {
    const labels = { namespace, statefulset: name };
    return [
        { name: "kube_statefulset_replicas", labels, value: desired },
        { name: "kube_statefulset_status_replicas_ready", labels, value: ready },
    ];
}

/** Text exposition of raw series (what kube-state-metrics serves on /metrics). */
export function exposition(series: RawSeries[]): string {
    const labels = (l: Record<string, string>) =>
        Object.entries(l)
            .map(([k, v]) => `${k}="${v}"`)
            .join(",");
    return series.map((s) => `${s.name}{${labels(s.labels)}} ${s.value}\n`).join("");
}

type Sample = { labels: Record<string, string>; value: number };

class BadQuery extends Error {}

const selectorPattern = String.raw`([a-z_:][a-z0-9_:]*)\{([^}]*)\}`;

/** `metric{label="value", ...}`: equality matchers only, the only kind the check uses. */
function select(series: RawSeries[], name: string, matchers: string): Sample[] {
    const wanted = matchers
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean)
        .map((m) => {
            const match = /^([a-z_][a-z0-9_]*)="([^"]*)"$/.exec(m);
            if (!match) throw new BadQuery(`fake prometheus cannot evaluate matcher ${m}`);
            return [match[1], match[2]] as const;
        });
    return series
        .filter((s) => s.name === name && wanted.every(([k, v]) => (s.labels[k] ?? "") === v))
        .map((s) => ({ labels: { __name__: s.name, ...s.labels }, value: s.value }));
}

const withoutName = ({ __name__: _, ...labels }: Record<string, string>) => labels;

/**
 * `sum by (l) (A * on (x, y) group_left (z) B)`: each sample of A is matched with the one sample of
 * B that has the same `on` labels (more than one is an error, as in Prometheus), the result keeps
 * A's labels without the metric name plus `z` from B, and the sum groups on `l`.
 */
function sumOfJoin(left: Sample[], on: string[], include: string[], right: Sample[], by: string[]): Sample[] {
    const key = (l: Record<string, string>, labels: string[]) => JSON.stringify(labels.map((k) => l[k] ?? ""));
    const rightByKey = new Map<string, Sample>();
    for (const r of right) {
        const k = key(r.labels, on);
        if (rightByKey.has(k)) throw new BadQuery("found duplicate series for the match group on the right hand-side of the operation");
        rightByKey.set(k, r);
    }
    const sums = new Map<string, Sample>();
    for (const l of left) {
        const r = rightByKey.get(key(l.labels, on));
        if (!r) continue;
        const joined: Record<string, string> = { ...withoutName(l.labels) };
        for (const k of include) if (r.labels[k] !== undefined) joined[k] = r.labels[k];
        const group = Object.fromEntries(by.filter((k) => joined[k] !== undefined).map((k) => [k, joined[k]]));
        const k = key(group, by);
        const sum = sums.get(k) ?? { labels: group, value: 0 };
        sum.value += l.value * r.value;
        sums.set(k, sum);
    }
    return [...sums.values()];
}

const labelList = (list: string) => list.split(",").map((l) => l.trim());

/** The replica queries, evaluated over the scenario's raw series; undefined for any other query. */
function evaluateKubeStateMetrics(promql: string, series: RawSeries[]): Sample[] | undefined {
    const plain = new RegExp(`^${selectorPattern}$`).exec(promql);
    if (plain && /^kube_(deployment|statefulset)_/.test(plain[1])) return select(series, plain[1], plain[2]);
    const join = new RegExp(
        String.raw`^sum by \(([a-z_, ]+)\) \(${selectorPattern} \* on \(([a-z_, ]+)\) group_left \(([a-z_, ]+)\) ${selectorPattern}\)$`,
    ).exec(promql);
    if (join && /^kube_replicaset_/.test(join[2])) {
        const [, by, leftName, leftMatchers, on, include, rightName, rightMatchers] = join;
        return sumOfJoin(
            select(series, leftName, leftMatchers),
            labelList(on),
            labelList(include),
            select(series, rightName, rightMatchers),
            labelList(by),
        );
    }
    return undefined;
}

/** Which scenario entry a query asks for, by the metric it uses (the failure query before the success one). */
function metricOf(promql: string): string | undefined {
    const keys: [RegExp, string][] = [
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
    return keys.find(([re]) => re.test(promql))?.[1];
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
    const health =
        (which: "detectorStatus" | "mlflowStatus"): http.RequestListener =>
        (req, res) => {
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
        let series: Series;
        try {
            const evaluated = evaluateKubeStateMetrics(promql, state.scenario.kubeStateMetrics);
            const key = metricOf(promql);
            if (evaluated === undefined && key === undefined) throw new BadQuery(`fake prometheus does not know the query: ${promql}`);
            series = evaluated ?? state.scenario.prometheus[key as string] ?? [];
        } catch (e) {
            if (e instanceof BadQuery) return json(res, 400, { status: "error", errorType: "bad_data", error: e.message });
            throw e;
        }
        const now = Date.now() / 1000;
        json(res, 200, {
            status: "success",
            data: { resultType: "vector", result: series.map((s) => ({ metric: s.labels ?? {}, value: [now, String(s.value)] })) },
        });
    });
    const alertmanager = await listen((req, res) => {
        const url = new URL(req.url ?? "/", "http://fake");
        if (url.pathname !== "/api/v2/alerts") return void res.writeHead(404).end();
        json(
            res,
            200,
            state.scenario.alerts.map((a) => ({ ...a, status: { state: "active", silencedBy: [], inhibitedBy: [] } })),
        );
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
            await Promise.all(
                servers.map(
                    ({ server }) =>
                        new Promise<void>((resolve) => {
                            server.close(() => resolve());
                            // fetch keeps connections alive; close() alone would wait for them to time out.
                            server.closeAllConnections();
                        }),
                ),
            );
        },
    };
}
