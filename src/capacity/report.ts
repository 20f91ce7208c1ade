// The monthly capacity report: for each sized workload its current request, p95 usage over the
// last 4 weeks and a recommended request, and for each scaling trigger (and volume) the date the
// 4-week trend crosses it. Queries are the capacity dashboard's and the forecast rules' own.
import { forecastTargets, type ForecastTarget } from "../../infra/capacity/forecasts";
import { p95UsageQuery, recommendationMargin, requestQuery, sizedContainers, type ResourceName } from "../../infra/capacity/usage";
import type { MonitoringSettings } from "../../infra/monitoring/config";
import { fetchWithCredentials, maskCredentials } from "../cli/http";
import { CheckFailedError } from "../cli/command";

export interface Sample {
    labels: Record<string, string>;
    value: number;
}

/** A Prometheus instant query (HTTP API `GET /api/v1/query`) returning a vector. */
export type Query = (promql: string) => Promise<Sample[]>;

/** Fails with one line naming Prometheus and what went wrong: an unreachable server or a refused query. */
export function prometheusQuery(baseUrl: string, fetchImpl: (url: string) => Promise<Response> = fetchWithCredentials): Query {
    const shown = maskCredentials(baseUrl);
    return async (promql) => {
        let response: Response;
        try {
            response = await fetchImpl(`${baseUrl.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(promql)}`);
        } catch (e) {
            throw new CheckFailedError(
                `prometheus at ${shown} is unreachable (${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message})`,
                { cause: e },
            );
        }
        const body = (await response.json().catch(() => ({}))) as {
            status?: string;
            error?: string;
            data?: { resultType: string; result: unknown };
        };
        if (body.status !== "success" || body.data?.resultType !== "vector") {
            throw new CheckFailedError(`prometheus at ${shown} refused a query (HTTP ${response.status}: ${body.error ?? "not a vector"})`);
        }
        return (body.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
            labels: r.metric,
            value: Number(r.value[1]),
        }));
    };
}

export interface SizingRow {
    workload: string;
    resource: ResourceName;
    request?: number;
    p95?: number;
    recommended?: number;
    /** Where the recommendation comes from. */
    source: string;
}

export interface ForecastRow {
    trigger: string;
    series: string;
    /** Unix seconds of the crossing; undefined when the trend is flat or falling. */
    crossesAt?: number;
    withinHorizon: boolean;
}

export interface CapacityReport {
    generatedAt: number;
    horizonDays: number;
    sizing: SizingRow[];
    forecasts: ForecastRow[];
}

const first = (samples: Sample[]) => (samples.length > 0 && Number.isFinite(samples[0].value) ? samples[0].value : undefined);

/** The series a forecast is about: the job, or namespace/claim for volumes. */
function seriesName(t: ForecastTarget, labels: Record<string, string>): string {
    return t.trigger === "volume" ? `${labels.namespace}/${labels.persistentvolumeclaim}` : labels.job;
}

export async function capacityReport(
    query: Query,
    monitoring: MonitoringSettings,
    appNamespace: string,
    horizonDays: number,
    now: number,
): Promise<CapacityReport> {
    const sizing: SizingRow[] = [];
    for (const workload of sizedContainers) {
        for (const resource of ["cpu", "memory"] as const) {
            const [request, p95] = await Promise.all([
                query(requestQuery(appNamespace, workload, resource)).then(first),
                query(p95UsageQuery(appNamespace, workload, resource)).then(first),
            ]);
            sizing.push({
                workload,
                resource,
                request,
                p95,
                recommended: p95 === undefined ? undefined : p95 * (1 + recommendationMargin),
                source: p95 === undefined ? "no usage recorded" : `computed: p95 + ${recommendationMargin * 100} %`,
            });
        }
    }
    const forecasts: ForecastRow[] = [];
    for (const t of forecastTargets(monitoring)) {
        // The forecast rule's own expression, evaluated now: it needs only the history of its source.
        const samples = await query(t.crossing);
        if (samples.length === 0)
            forecasts.push({
                trigger: t.trigger,
                series: t.trigger === "volume" ? "every volume" : monitoring.detector.job,
                withinHorizon: false,
            });
        for (const s of samples) {
            forecasts.push({
                trigger: t.trigger,
                series: seriesName(t, s.labels),
                crossesAt: now + s.value,
                withinHorizon: s.value < horizonDays * 86400,
            });
        }
    }
    return { generatedAt: now, horizonDays, sizing, forecasts };
}

function quantity(resource: ResourceName, v: number | undefined): string {
    if (v === undefined) return "-";
    if (resource === "cpu") return v >= 1 ? `${Number(v.toFixed(2))}` : `${Math.round(v * 1000)}m`;
    return `${Math.round(v / 2 ** 20)}Mi`;
}

function table(header: string[], rows: string[][]): string[] {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [header, ...rows].map((r) =>
        r
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd(),
    );
}

const date = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

export function formatReport(r: CapacityReport): string {
    return [
        `Right-sizing (requests per pod; usage: the busiest pod over the last 4 weeks)`,
        ...table(
            ["workload", "resource", "request", "p95 usage", "recommended", "recommendation"],
            r.sizing.map((s) => [
                s.workload,
                s.resource,
                quantity(s.resource, s.request),
                quantity(s.resource, s.p95),
                quantity(s.resource, s.recommended),
                s.source,
            ]),
        ),
        "",
        `Forecasts (linear trend of the last 4 weeks; horizon ${r.horizonDays} days from ${date(r.generatedAt)})`,
        ...table(
            ["trigger", "series", "crossed on", "days", ""],
            r.forecasts.map((f) => [
                f.trigger,
                f.series,
                f.crossesAt === undefined ? "not rising (or no data)" : date(f.crossesAt),
                f.crossesAt === undefined ? "-" : String(Math.round((f.crossesAt - r.generatedAt) / 86400)),
                f.withinHorizon ? "WITHIN HORIZON" : "",
            ]),
        ),
        "",
    ].join("\n");
}
