// The manual's morning health check as data: every line is a name, what it measured, what it
// must be, and pass or fail. Endpoints are plain HTTP (port-forwarded or in-cluster), so the same
// checks run against a deployed stack and against the fake services of the tests.
import { objectives } from "../../infra/observability/objectives";
import { fetchWithCredentials, maskCredentials } from "../cli/http";
import type { DetectorMetrics, MonitoringSettings } from "../../infra/monitoring/config";

export interface HealthEndpoints {
    detector: string;
    mlflow: string;
    prometheus: string;
    alertmanager: string;
}

/** What the checks need to know about the stack: where things live and what they are called. */
export interface HealthSettings {
    appNamespace: string;
    metrics: DetectorMetrics;
    /** The backup runner's Pushgateway job label. */
    backupsJob: string;
    /** Each kind it pushes and how old its last success may be: the limits BackupStale alerts on. */
    backupFreshness: MonitoringSettings["backupFreshness"];
    /** Deployments that must have every desired replica available. */
    deployments: readonly string[];
    /** Argo Rollouts that must have every desired replica ready. */
    rollouts: readonly string[];
    /** Rate window for error rate and latency, a Prometheus duration. */
    window: string;
}

export interface CheckLine {
    check: string;
    ok: boolean;
    value: string;
    expected: string;
}

export interface HttpResponse {
    status: number;
    body: string;
}
export type HttpGet = (url: string) => Promise<HttpResponse>;

/** The manual's numbers (Monitoring and Alerting, Daily Checklist), from infra/observability/objectives.ts. */
export const thresholds = {
    errorRate: objectives.errorRate,
    latencySeconds: objectives.latencySeconds,
    cpuPercent: objectives.cpuPercent,
    memoryPercent: objectives.memoryPercent,
    diskFreePercent: objectives.diskFreePercent,
} as const;

/** Alerts that fail the check: the manual's SEV-1 and SEV-2. */
const pagingSeverities = ["critical", "high"];

interface Sample {
    labels: Record<string, string>;
    value: number;
}

class QueryError extends Error {}

function describeError(e: unknown): string {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === "TimeoutError") return "timed out";
    return maskCredentials(err.cause?.code ?? err.message);
}

async function getJson(http: HttpGet, what: string, url: string): Promise<unknown> {
    let response: HttpResponse;
    try {
        response = await http(url);
    } catch (e) {
        throw new QueryError(`${what} unreachable (${describeError(e)})`);
    }
    let body: unknown;
    try {
        body = JSON.parse(response.body);
    } catch {
        throw new QueryError(`${what} answered HTTP ${response.status} with no JSON`);
    }
    const error = (body as { error?: unknown }).error;
    if (response.status >= 400) throw new QueryError(`${what} HTTP ${response.status}${typeof error === "string" ? `: ${error}` : ""}`);
    return body;
}

/** A Prometheus instant query; vectors and scalars both come back as samples. NaN stays NaN (0/0: no traffic). */
async function query(http: HttpGet, prometheus: string, promql: string): Promise<Sample[]> {
    const body = (await getJson(http, "prometheus", `${prometheus}/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
        status?: string;
        error?: string;
        data?: { resultType: string; result: unknown };
    };
    if (body.status !== "success" || !body.data) throw new QueryError(`prometheus query failed: ${body.error ?? "no data"}`);
    if (body.data.resultType === "scalar") {
        const [, v] = body.data.result as [number, string];
        return [{ labels: {}, value: Number(v) }];
    }
    return (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
        labels: r.metric,
        value: Number(r.value[1]),
    }));
}

const percent = (v: number) => `${v.toFixed(1)} %`;

interface ThresholdCheck {
    check: string;
    expected: string;
    promql: (s: HealthSettings) => string;
    ok: (v: number) => boolean;
    format: (v: number) => string;
    /** What an empty result means; unset: the metric is missing, which fails. */
    whenEmpty?: { ok: boolean; value: string };
    /** What NaN (0/0) means; unset: fails. */
    whenNaN?: { ok: boolean; value: string };
}

const job = (s: HealthSettings) => `job="${s.metrics.job}"`;
const realFilesystems = 'fstype!~"tmpfs|overlay|squashfs|ramfs|nsfs"';

/** The manual's metric thresholds, one Prometheus query each, evaluated on the worst series. */
export const thresholdChecks: ThresholdCheck[] = [
    {
        check: "error rate",
        expected: `< ${thresholds.errorRate * 100} %`,
        promql: (s) =>
            `sum(rate(${s.metrics.errorTotal}{${job(s)}}[${s.window}])) / sum(rate(${s.metrics.inferenceTotal}{${job(s)}}[${s.window}]))`,
        ok: (v) => v < thresholds.errorRate,
        format: (v) => percent(v * 100),
        whenNaN: { ok: true, value: "no traffic" },
    },
    {
        check: "avg inference latency",
        expected: `< ${thresholds.latencySeconds} s`,
        promql: (s) =>
            `sum(rate(${s.metrics.inferenceDuration}_sum{${job(s)}}[${s.window}])) / sum(rate(${s.metrics.inferenceDuration}_count{${job(s)}}[${s.window}]))`,
        ok: (v) => v < thresholds.latencySeconds,
        format: (v) => `${v.toFixed(2)} s`,
        whenNaN: { ok: true, value: "no traffic" },
    },
    {
        check: "detector CPU",
        expected: `< ${thresholds.cpuPercent} %`,
        promql: (s) => `max(${s.metrics.cpuPercent}{${job(s)}})`,
        ok: (v) => v < thresholds.cpuPercent,
        format: percent,
    },
    {
        check: "detector memory",
        expected: `< ${thresholds.memoryPercent} %`,
        promql: (s) => `max(${s.metrics.memoryPercent}{${job(s)}})`,
        ok: (v) => v < thresholds.memoryPercent,
        format: percent,
    },
    {
        check: "disk free (nodes)",
        expected: `> ${thresholds.diskFreePercent} %`,
        promql: () => `min(node_filesystem_avail_bytes{${realFilesystems}} / node_filesystem_size_bytes{${realFilesystems}}) * 100`,
        ok: (v) => v > thresholds.diskFreePercent,
        format: percent,
    },
    {
        check: "disk free (volumes)",
        expected: `> ${thresholds.diskFreePercent} %`,
        promql: () => `min(kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes) * 100`,
        ok: (v) => v > thresholds.diskFreePercent,
        format: percent,
        whenEmpty: { ok: true, value: "no volumes" },
    },
    {
        check: "paging alerts in last 24 h",
        expected: "0",
        promql: () => `count(max_over_time(ALERTS{alertstate="firing",severity=~"${pagingSeverities.join("|")}"}[24h]))`,
        ok: (v) => v === 0,
        format: (v) => String(v),
        // ALERTS has no series at all when nothing fired.
        whenEmpty: { ok: true, value: "0" },
    },
];

async function evaluateThreshold(
    c: ThresholdCheck,
    settings: HealthSettings,
    endpoints: HealthEndpoints,
    http: HttpGet,
): Promise<CheckLine> {
    const line = (ok: boolean, value: string) => ({ check: c.check, ok, value, expected: c.expected });
    try {
        const samples = await query(http, endpoints.prometheus, c.promql(settings));
        if (samples.length === 0) return c.whenEmpty ? line(c.whenEmpty.ok, c.whenEmpty.value) : line(false, "no data");
        const value = samples[0].value;
        if (Number.isNaN(value)) return c.whenNaN ? line(c.whenNaN.ok, c.whenNaN.value) : line(false, "no data (NaN)");
        return line(c.ok(value), c.format(value));
    } catch (e) {
        if (e instanceof QueryError) return line(false, e.message);
        throw e;
    }
}

async function endpointHealth(check: string, url: string, http: HttpGet): Promise<CheckLine> {
    try {
        const { status } = await http(url);
        return { check, ok: status >= 200 && status < 300, value: `HTTP ${status}`, expected: "HTTP 2xx" };
    } catch (e) {
        return { check, ok: false, value: `unreachable (${describeError(e)})`, expected: "HTTP 2xx" };
    }
}

interface AlertmanagerAlert {
    labels: Record<string, string>;
}

async function firingAlerts(endpoints: HealthEndpoints, http: HttpGet): Promise<CheckLine> {
    const expected = `no ${pagingSeverities.join("/")} alert`;
    try {
        const alerts = (await getJson(
            http,
            "alertmanager",
            `${endpoints.alertmanager}/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false`,
        )) as AlertmanagerAlert[];
        if (!Array.isArray(alerts))
            return { check: "firing alerts", ok: false, value: "alertmanager answered something other than a list", expected };
        // kube-prometheus-stack's always-firing heartbeat and its inhibitor are not incidents.
        const real = alerts.filter((a) => !["Watchdog", "InfoInhibitor"].includes(a.labels.alertname));
        const paging = real.filter((a) => pagingSeverities.includes(a.labels.severity));
        const names = real.map((a) => `${a.labels.alertname}(${a.labels.severity ?? "no severity"})`);
        return { check: "firing alerts", ok: paging.length === 0, value: names.length ? names.join(", ") : "none", expected };
    } catch (e) {
        if (e instanceof QueryError) return { check: "firing alerts", ok: false, value: e.message, expected };
        throw e;
    }
}

/**
 * kube-state-metrics has no metric for an Argo Rollout, but it has one for every ReplicaSet and its
 * owner (docs/metrics/workload/replicaset-metrics.md): a Rollout's replicas are those of the
 * ReplicaSets it owns (stable, canary, and old ones scaled to 0), summed per owner.
 */
export function rolloutReplicasQuery(
    metric: "kube_replicaset_spec_replicas" | "kube_replicaset_status_ready_replicas",
    namespace: string,
): string {
    const ns = `namespace="${namespace}"`;
    return `sum by (owner_name) (${metric}{${ns}} * on (namespace, replicaset) group_left (owner_name) kube_replicaset_owner{${ns}, owner_kind="Rollout"})`;
}

export async function replicaLines(
    settings: HealthSettings,
    endpoints: Pick<HealthEndpoints, "prometheus">,
    http: HttpGet,
): Promise<CheckLine[]> {
    const ns = `namespace="${settings.appNamespace}"`;
    const byName = (samples: Sample[], label: string) => new Map(samples.map((s) => [s.labels[label], s.value]));
    try {
        const [desired, available, rolloutDesired, rolloutReady, stsDesired, stsReady] = await Promise.all([
            query(http, endpoints.prometheus, `kube_deployment_spec_replicas{${ns}}`),
            query(http, endpoints.prometheus, `kube_deployment_status_replicas_available{${ns}}`),
            query(http, endpoints.prometheus, rolloutReplicasQuery("kube_replicaset_spec_replicas", settings.appNamespace)),
            query(http, endpoints.prometheus, rolloutReplicasQuery("kube_replicaset_status_ready_replicas", settings.appNamespace)),
            query(http, endpoints.prometheus, `kube_statefulset_replicas{${ns}}`),
            query(http, endpoints.prometheus, `kube_statefulset_status_replicas_ready{${ns}}`),
        ]);
        const lines: CheckLine[] = [];
        const add = (kind: string, name: string, want: number | undefined, have: number | undefined) => {
            const check = `replicas ready: ${kind}/${name}`;
            if (want === undefined) lines.push({ check, ok: false, value: "not found in kube-state-metrics", expected: "present" });
            else lines.push({ check, ok: want >= 1 && (have ?? 0) >= want, value: `${have ?? 0}/${want}`, expected: `${want}/${want}` });
        };
        const addKind = (kind: string, expected: readonly string[], want: Map<string, number>, have: Map<string, number>) => {
            for (const name of [...new Set([...expected, ...want.keys()])].sort()) add(kind, name, want.get(name), have.get(name));
        };
        addKind("deployment", settings.deployments, byName(desired, "deployment"), byName(available, "deployment"));
        addKind("rollout", settings.rollouts, byName(rolloutDesired, "owner_name"), byName(rolloutReady, "owner_name"));
        addKind("statefulset", [], byName(stsDesired, "statefulset"), byName(stsReady, "statefulset"));
        return lines;
    } catch (e) {
        if (e instanceof QueryError) return [{ check: "replicas ready", ok: false, value: e.message, expected: "all desired replicas" }];
        throw e;
    }
}

async function backupLines(settings: HealthSettings, endpoints: HealthEndpoints, http: HttpGet): Promise<CheckLine[]> {
    const selector = `{job="${settings.backupsJob}"}`;
    const kinds = Object.entries(settings.backupFreshness).map(([kind, f]) => ({ kind, maxAgeHours: f.maxAgeSeconds / 3600 }));
    const expected = (maxAgeHours: number) => `< ${Math.round(maxAgeHours * 100) / 100} h`;
    try {
        const [ages, failedSince] = await Promise.all([
            query(http, endpoints.prometheus, `time() - max by (kind) (pneumonia_backup_last_success_timestamp_seconds${selector})`),
            query(
                http,
                endpoints.prometheus,
                `max by (kind) (pneumonia_backup_last_failure_timestamp_seconds${selector}) > on (kind) max by (kind) (pneumonia_backup_last_success_timestamp_seconds${selector})`,
            ),
        ]);
        const age = new Map(ages.map((s) => [s.labels.kind, s.value]));
        const failed = new Set(failedSince.map((s) => s.labels.kind));
        return kinds.map(({ kind, maxAgeHours }) => {
            const check = `backup age: ${kind}`;
            const seconds = age.get(kind);
            if (seconds === undefined) return { check, ok: false, value: "no successful backup recorded", expected: expected(maxAgeHours) };
            const hours = seconds / 3600;
            const value = `${hours.toFixed(1)} h${failed.has(kind) ? ", last run failed" : ""}`;
            return { check, ok: hours <= maxAgeHours && !failed.has(kind), value, expected: expected(maxAgeHours) };
        });
    } catch (e) {
        if (e instanceof QueryError) return [{ check: "backup age", ok: false, value: e.message, expected: "each kind within its limit" }];
        throw e;
    }
}

/**
 * The manual's "log rotation functioning properly", as the platform keeps logs now: the newest
 * line Loki holds, from any stream, is younger than `maxAgeMinutes`. One backward range query with
 * limit 1 (Loki HTTP API, GET /loki/api/v1/query_range) returns the newest entry of all streams.
 */
export async function logIngestionLine(lokiUrl: string, http: HttpGet, now: number = Date.now(), maxAgeMinutes = 10): Promise<CheckLine> {
    const check = "log ingestion: newest line";
    const expected = `< ${maxAgeMinutes} min old`;
    const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    const params = new URLSearchParams({
        query: '{log_class=~".+"}',
        direction: "backward",
        limit: "1",
        start: nanos(now - 3600_000),
        end: nanos(now),
    });
    try {
        const body = (await getJson(http, "loki", `${lokiUrl}/loki/api/v1/query_range?${params}`)) as {
            status?: string;
            data?: { resultType?: string; result?: Array<{ values?: Array<[string, string]> }> };
        };
        if (body.status !== "success" || body.data?.resultType !== "streams")
            return { check, ok: false, value: "loki answered no log streams", expected };
        const newest = Math.max(
            ...(body.data.result ?? []).flatMap((s) => (s.values ?? []).map(([ts]) => Number(BigInt(ts) / 1_000_000n))),
        );
        if (!Number.isFinite(newest)) return { check, ok: false, value: "no line in the last hour", expected };
        const minutes = Math.max(0, now - newest) / 60_000;
        return { check, ok: minutes < maxAgeMinutes, value: `${minutes.toFixed(1)} min old`, expected };
    } catch (e) {
        if (e instanceof QueryError) return { check, ok: false, value: e.message, expected };
        throw e;
    }
}

/** Runs every line of the morning check; never throws for an unhealthy or unreachable service (that is a failed line). */
export async function runHealthCheck(
    settings: HealthSettings,
    endpoints: HealthEndpoints,
    http: HttpGet,
    lokiUrl?: string,
): Promise<CheckLine[]> {
    const groups = await Promise.all([
        endpointHealth("detector /health", `${endpoints.detector}/health`, http).then((l) => [l]),
        endpointHealth("mlflow /health", `${endpoints.mlflow}/health`, http).then((l) => [l]),
        replicaLines(settings, endpoints, http),
        firingAlerts(endpoints, http).then((l) => [l]),
        Promise.all(thresholdChecks.map((c) => evaluateThreshold(c, settings, endpoints, http))),
        backupLines(settings, endpoints, http),
        // Loki's URL is optional: without it there is no log-ingestion line.
        lokiUrl ? logIngestionLine(lokiUrl, http).then((l) => [l]) : Promise.resolve([]),
    ]);
    return groups.flat();
}

/** Node's fetch with a per-request timeout; redirects are not followed (a redirect is not a health answer). */
export function fetchHttp(timeoutMs: number): HttpGet {
    return async (url) => {
        const response = await fetchWithCredentials(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        return { status: response.status, body: await response.text() };
    };
}

export function formatTable(lines: CheckLine[]): string {
    const rows = [["CHECK", "RESULT", "VALUE", "EXPECTED"], ...lines.map((l) => [l.check, l.ok ? "PASS" : "FAIL", l.value, l.expected])];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join("  ")).join("\n");
}
