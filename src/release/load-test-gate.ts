// The promotion gate: production only gets an image whose staging load test passed. The k6 Job
// (infra/release/load-test.ts) pushes its result to staging's Pushgateway, labelled with the image
// it tested; Prometheus scrapes it (honorLabels keeps job and image), and this reads it back
// through Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
import { loadTestJobLabel, loadTestMetrics } from "../../infra/release/load-test-result";
import { objectives } from "../../infra/observability/objectives";
import { CheckFailedError } from "../cli/command";
import { fetchWithCredentials, maskCredentials } from "../cli/http";

export interface Sample {
    metric: Record<string, string>;
    value: [number, string];
}

export type InstantQuery = (promql: string) => Promise<Sample[]>;

/** An instant query against a Prometheus server; rejects with one line on anything but a vector result. */
export function prometheusQuery(baseUrl: string, timeoutMs = 10_000): InstantQuery {
    return async (promql) => {
        const url = `${baseUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(promql)}`;
        let body: { status?: string; error?: string; data?: { resultType?: string; result?: Sample[] } };
        try {
            const response = await fetchWithCredentials(url, { signal: AbortSignal.timeout(timeoutMs) });
            body = (await response.json()) as typeof body;
        } catch (e) {
            throw new Error(`Prometheus at ${maskCredentials(baseUrl)}: ${(e as Error).message}`, { cause: e });
        }
        if (body.status !== "success" || body.data?.resultType !== "vector") {
            throw new Error(`Prometheus at ${maskCredentials(baseUrl)}: query failed: ${body.error ?? body.status ?? "no status"}`);
        }
        return body.data.result ?? [];
    };
}

export interface LoadTestResult {
    image: string;
    passed: boolean;
    p95Seconds?: number;
    errorRatio?: number;
    requests?: number;
    at?: Date;
}

/** The latest staging load test as Prometheus has it (the Pushgateway keeps only the latest push). */
export async function latestLoadTest(query: InstantQuery): Promise<LoadTestResult | undefined> {
    const samples = await query(`{job=${JSON.stringify(loadTestJobLabel)}, __name__=~"${Object.values(loadTestMetrics).join("|")}"}`);
    const value = (name: string) => {
        const s = samples.find((x) => x.metric.__name__ === name);
        return s ? Number(s.value[1]) : undefined;
    };
    const passed = samples.find((x) => x.metric.__name__ === loadTestMetrics.passed);
    if (!passed?.metric.image) return undefined;
    const at = value(loadTestMetrics.timestamp);
    return {
        image: passed.metric.image,
        passed: Number(passed.value[1]) === 1,
        p95Seconds: value(loadTestMetrics.p95Seconds),
        errorRatio: value(loadTestMetrics.errorRatio),
        requests: value(loadTestMetrics.requests),
        ...(at !== undefined ? { at: new Date(at * 1000) } : {}),
    };
}

function figures(r: LoadTestResult): string {
    const p95 = r.p95Seconds !== undefined ? `p95 ${r.p95Seconds.toFixed(3)} s (limit ${objectives.latencySeconds} s)` : "p95 unknown";
    const errors =
        r.errorRatio !== undefined
            ? `errors ${(r.errorRatio * 100).toFixed(2)} % (limit ${objectives.errorRate * 100} %)`
            : "errors unknown";
    return `${p95}, ${errors}${r.requests !== undefined ? `, ${r.requests} requests` : ""}${r.at ? `, at ${r.at.toISOString()}` : ""}`;
}

/** Resolves with a one-line summary when `image` passed its staging load test; otherwise says why not (exit 1). */
export async function requirePassedLoadTest(query: InstantQuery, image: string, from: string): Promise<string> {
    const result = await latestLoadTest(query);
    if (!result)
        throw new CheckFailedError(
            `${from} has no load-test result: the load test has not run (or the Pushgateway lost it); deploy ${from} again`,
        );
    if (result.image !== image) {
        throw new CheckFailedError(`${from}'s latest load test ran ${result.image}, not ${image}: load-test this image on ${from} first`);
    }
    if (!result.passed) throw new CheckFailedError(`${image} failed its ${from} load test: ${figures(result)}`);
    return `${from} load test passed for ${image}: ${figures(result)}`;
}
