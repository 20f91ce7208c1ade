// The detector contract (docs/detector-contract.md), checked against a running detector: one
// result per clause, each with the evidence a reader needs to see why it passed or failed.
import { objectives } from "../../infra/observability/objectives";
import { CheckFailedError } from "../cli/command";
import { parseExposition, samplesOf, total, type Exposition } from "./exposition";
import { png, samplePayloads, type Payload } from "./payloads";
import { listensOn } from "./process";

export interface ClauseResult {
    /** The clause's id; docs/detector-contract.md has a heading per id. */
    clause: string;
    outcome: "PASS" | "FAIL" | "SKIP";
    evidence: string;
}

export interface ContractTarget {
    /** Base URL of the API, e.g. http://127.0.0.1:8000. */
    url: string;
    /** The metrics endpoint, e.g. http://127.0.0.1:9090/metrics. */
    metricsUrl: string;
    /** /predict requests for the success-rate and latency clauses. */
    requests: number;
    /** A local detector process to stop with SIGTERM for the shutdown clause. */
    pid?: number;
    timeoutMs: number;
}

export const maxImageBytes = 20 * 1024 * 1024;
export const contractDoc = "docs/detector-contract.md";

/** The metric families the alerts, recording rules and dashboards read (infra/monitoring), with their types. */
export const contractMetrics = {
    inference_total: "counter",
    error_total: "counter",
    inference_duration_seconds: "histogram",
    cpu_percent: "gauge",
    memory_percent: "gauge",
    uptime_seconds: "gauge",
    model_info: "gauge",
    prediction_total: "counter",
    prediction_confidence: "histogram",
} as const;
type ContractMetric = keyof typeof contractMetrics;

export const durationBuckets = [0.5, 1, 1.5, 2, 5];
export const confidenceBuckets = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

interface Reply {
    status: number;
    body: string;
    json?: Record<string, unknown>;
    seconds: number;
}

function clip(text: string, max = 160): string {
    const one = text.replace(/\s+/g, " ").trim();
    return one.length > max ? `${one.slice(0, max)}…` : one;
}

function describeReply(what: string, r: Reply | Error): string {
    return r instanceof Error ? `${what}: ${r.message}` : `${what} → ${r.status} ${clip(r.body)}`;
}

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Reply | Error> {
    const start = performance.now();
    try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        const body = await res.text();
        let json: Record<string, unknown> | undefined;
        try {
            const parsed: unknown = JSON.parse(body);
            if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
        } catch {
            json = undefined;
        }
        return { status: res.status, body, json, seconds: (performance.now() - start) / 1000 };
    } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        const reason = err.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.message);
        return new Error(reason);
    }
}

function form(field: string, payload: Payload): FormData {
    const data = new FormData();
    data.append(field, new Blob([payload.bytes as Uint8Array<ArrayBuffer>], { type: payload.type }), payload.filename);
    return data;
}

const pass = (clause: string, evidence: string): ClauseResult => ({ clause, outcome: "PASS", evidence });
const fail = (clause: string, evidence: string): ClauseResult => ({ clause, outcome: "FAIL", evidence });
const skip = (clause: string, evidence: string): ClauseResult => ({ clause, outcome: "SKIP", evidence });

/** Why a /predict 200 body breaks the contract, or undefined when it keeps it. */
function predictionProblem(json: Record<string, unknown> | undefined, modelVersion: unknown): string | undefined {
    if (!json) return "body is not a JSON object";
    if (json.prediction !== "PNEUMONIA" && json.prediction !== "NORMAL")
        return `prediction ${JSON.stringify(json.prediction)} is not "PNEUMONIA" or "NORMAL"`;
    if (typeof json.confidence !== "number" || json.confidence < 0 || json.confidence > 1)
        return `confidence ${JSON.stringify(json.confidence)} is not a number from 0 to 1`;
    if (typeof json.model_version !== "string" || !json.model_version) return "model_version is missing";
    if (typeof modelVersion === "string" && json.model_version !== modelVersion)
        return `model_version "${json.model_version}" differs from /health's "${modelVersion}"`;
    return undefined;
}

function metricClause(
    metrics: Exposition | Error,
    name: ContractMetric,
    extra: (m: Exposition) => string | undefined,
    describe: (m: Exposition) => string,
): ClauseResult {
    const clause = `metric-${name.replace(/_/g, "-")}`;
    if (metrics instanceof Error) return fail(clause, `metrics unreadable: ${metrics.message}`);
    const type = metrics.types.get(name);
    if (!type) return fail(clause, `${name} is not exposed (no # TYPE line)`);
    if (type !== contractMetrics[name]) return fail(clause, `${name} is a ${type}, the contract says ${contractMetrics[name]}`);
    const problem = extra(metrics);
    return problem ? fail(clause, `${name}: ${problem}`) : pass(clause, `${name} ${type}: ${describe(metrics)}`);
}

function missingBuckets(m: Exposition, name: string, wanted: number[]): string | undefined {
    // Bounds compared as numbers: Python's client writes le="2.0" where Go's writes le="2".
    const bounds = samplesOf(m, `${name}_bucket`).map((s) => s.labels.le ?? "");
    const values = new Set(bounds.map((b) => (b === "+Inf" ? Infinity : Number(b))));
    const missing = wanted.filter((b) => !values.has(b));
    return missing.length ? `buckets ${missing.join(", ")} missing (has ${bounds.join(", ")})` : undefined;
}

function gaugeInRange(m: Exposition, name: string, low: number, high: number): string | undefined {
    const values = samplesOf(m, name).map((s) => s.value);
    if (!values.length) return "no sample";
    const out = values.filter((v) => !(v >= low && v <= high));
    return out.length ? `value ${out[0]} outside ${low}–${high}` : undefined;
}

async function readMetrics(target: ContractTarget): Promise<Exposition | Error> {
    const r = await call(target.metricsUrl, {}, target.timeoutMs);
    if (r instanceof Error) return new Error(`GET ${target.metricsUrl}: ${r.message}`);
    if (r.status !== 200) return new Error(`GET ${target.metricsUrl} → ${r.status}`);
    try {
        return parseExposition(r.body);
    } catch (e) {
        return e as Error;
    }
}

async function processGone(pid: number, timeoutMs: number): Promise<number | undefined> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
        try {
            process.kill(pid, 0);
        } catch {
            return (performance.now() - start) / 1000;
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
}

/** The pod's termination grace period: Kubernetes' default, which the detector keeps. */
export const terminationGraceSeconds = 30;

/** The clauses that say the process behind --url is a detector: --pid is signalled only when they pass. */
export const identityClauses = ["health", "metric-model-info"];

async function checkShutdown(
    target: ContractTarget,
    predict: (p: Payload) => Promise<Reply | Error>,
    results: ClauseResult[],
): Promise<ClauseResult> {
    const clause = "shutdown";
    if (target.pid === undefined) return skip(clause, "needs --pid of a local detector process (a remote one cannot be sent SIGTERM)");
    const unproven = identityClauses.filter((c) => results.find((r) => r.clause === c)?.outcome !== "PASS");
    if (unproven.length > 0)
        return skip(clause, `pid ${target.pid} not signalled: ${unproven.join(", ")} did not pass, so nothing shows it is a detector`);
    const url = new URL(target.url);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const listening = listensOn(target.pid, port);
    if (listening !== true) {
        const why =
            listening === false
                ? `is not the process listening on port ${port}`
                : `cannot be matched to port ${port} on this system (no /proc)`;
        return fail(clause, `pid ${target.pid} ${why}: not signalled`);
    }
    const inFlight = predict(samplePayloads()[0]!);
    // The request is on the wire before the signal: the detector must still answer it.
    await new Promise((r) => setTimeout(r, 20));
    try {
        process.kill(target.pid, "SIGTERM");
    } catch (e) {
        return fail(clause, `cannot signal pid ${target.pid}: ${(e as NodeJS.ErrnoException).code}`);
    }
    const answer = await inFlight;
    const gone = await processGone(target.pid, terminationGraceSeconds * 1000);
    if (answer instanceof Error || answer.status !== 200)
        return fail(clause, `request in flight at SIGTERM: ${describeReply("POST /predict", answer)}`);
    if (gone === undefined)
        return fail(clause, `pid ${target.pid} still running ${terminationGraceSeconds} s after SIGTERM (the pod's grace period)`);
    const after = await call(`${target.url}/health`, {}, 2000);
    if (!(after instanceof Error)) return fail(clause, `still accepting after exit: GET /health → ${after.status}`);
    return pass(
        clause,
        `in-flight POST /predict answered 200, process gone ${gone.toFixed(2)} s after SIGTERM, new connections refused (${after.message})`,
    );
}

export async function checkContract(target: ContractTarget): Promise<ClauseResult[]> {
    const results: ClauseResult[] = [];
    const predictUrl = `${target.url}/predict`;
    const predict = (payload: Payload, field = "file") =>
        call(predictUrl, { method: "POST", body: form(field, payload) }, target.timeoutMs);
    let sent = 0;
    let failures = 0;
    const counted = async (reply: Promise<Reply | Error>) => {
        const r = await reply;
        if (!(r instanceof Error)) {
            sent += 1;
            if (r.status >= 500) failures += 1;
        }
        return r;
    };

    // health; nothing answering is one line, not a FAIL per clause
    const health = await call(`${target.url}/health`, {}, target.timeoutMs);
    if (health instanceof Error) throw new CheckFailedError(`nothing answers at ${target.url}: GET /health: ${health.message}`);
    const before = await readMetrics(target);
    const modelVersion = health instanceof Error ? undefined : health.json?.model_version;
    {
        const ok =
            !(health instanceof Error) &&
            health.status === 200 &&
            health.json?.status === "ok" &&
            health.json.model_loaded === true &&
            typeof modelVersion === "string" &&
            modelVersion !== "";
        const why =
            !(health instanceof Error) && health.status === 503
                ? ": the model is not loaded (not ready)"
                : ok
                  ? ""
                  : ': expected 200 {"status":"ok","model_loaded":true,"model_version":"<v>"}';
        results.push((ok ? pass : fail)("health", `${describeReply("GET /health", health)}${why}`));
    }

    // predict: each accepted content type
    for (const payload of samplePayloads()) {
        const r = await counted(predict(payload));
        const problem =
            r instanceof Error
                ? r.message
                : r.status !== 200
                  ? `status ${r.status}, expected 200`
                  : predictionProblem(r.json, modelVersion);
        const clause = `predict-${payload.type.split("/")[1]}`;
        const standIn = !(r instanceof Error) && r.json?.stand_in === true ? " (stand-in)" : "";
        results.push(
            problem
                ? fail(clause, `${describeReply(`POST /predict ${payload.type}`, r)}: ${problem}`)
                : pass(clause, `${describeReply(`POST /predict ${payload.type}`, r)}${standIn}`),
        );
    }

    // the error answers
    const errorCases: Array<{ clause: string; status: number; what: string; send: () => Promise<Reply | Error> }> = [
        { clause: "predict-no-file", status: 400, what: 'no "file" field', send: () => predict(samplePayloads()[0]!, "image") },
        {
            clause: "predict-not-an-image",
            status: 400,
            what: "image/png that is not a PNG",
            send: () => predict({ type: "image/png", filename: "notes.png", bytes: new TextEncoder().encode("not an image at all") }),
        },
        {
            clause: "predict-too-large",
            status: 413,
            what: "a PNG of 20 MiB + 1 byte",
            send: () => {
                const big = new Uint8Array(maxImageBytes + 1);
                big.set(png());
                return predict({ type: "image/png", filename: "large.png", bytes: big });
            },
        },
        {
            clause: "predict-unsupported-type",
            status: 415,
            what: "text/plain",
            send: () =>
                predict({ type: "text/plain" as Payload["type"], filename: "chest.txt", bytes: new TextEncoder().encode("PNEUMONIA?") }),
        },
    ];
    for (const c of errorCases) {
        const r = await counted(c.send());
        const ok = !(r instanceof Error) && r.status === c.status && typeof r.json?.error === "string" && r.json.error !== "";
        const expected = ok ? "" : `: expected ${c.status} {"error":"<message>"}`;
        results.push((ok ? pass : fail)(c.clause, `${describeReply(`POST /predict ${c.what}`, r)}${expected}`));
    }

    // success rate and latency over a run of requests
    const payloads = samplePayloads();
    const runs: Array<Reply | Error> = [];
    for (let i = 0; i < target.requests; i++) {
        const base = payloads[i % payloads.length]!;
        runs.push(await counted(predict(base.type === "image/png" ? { ...base, bytes: png(64, i) } : base)));
    }
    const failed = runs.filter((r) => r instanceof Error || r.status !== 200);
    results.push(
        failed.length
            ? fail(
                  "predict-success",
                  `${failed.length} of ${runs.length} POST /predict failed, first: ${describeReply("", failed[0]!).replace(/^: | → /, "")}`,
              )
            : pass("predict-success", `${runs.length} of ${runs.length} POST /predict answered 200`),
    );
    // Latency of the answers that succeeded: a fast 503 says nothing about inference time.
    const answered = runs.filter((r): r is Reply => !(r instanceof Error) && r.status === 200);
    const slowest = Math.max(0, ...answered.map((r) => r.seconds));
    const limit = objectives.latencySeconds;
    results.push(
        !answered.length
            ? skip("predict-latency", "no POST /predict answered 200 (see predict-success)")
            : slowest < limit
              ? pass("predict-latency", `slowest of ${answered.length} POST /predict took ${slowest.toFixed(3)} s (< ${limit} s)`)
              : fail("predict-latency", `slowest of ${answered.length} POST /predict took ${slowest.toFixed(3)} s (limit ${limit} s)`),
    );

    // metrics
    const after = await readMetrics(target);
    results.push(
        metricClause(
            after,
            "inference_total",
            () => undefined,
            (m) => `${total(m, "inference_total")}`,
        ),
        metricClause(
            after,
            "error_total",
            () => undefined,
            (m) => `${total(m, "error_total")}`,
        ),
        metricClause(
            after,
            "inference_duration_seconds",
            (m) => missingBuckets(m, "inference_duration_seconds", durationBuckets),
            () => `buckets include ${durationBuckets.join(", ")}`,
        ),
        metricClause(
            after,
            "cpu_percent",
            (m) => gaugeInRange(m, "cpu_percent", 0, 100),
            (m) => `${total(m, "cpu_percent")}`,
        ),
        metricClause(
            after,
            "memory_percent",
            (m) => gaugeInRange(m, "memory_percent", 0, 100),
            (m) => `${total(m, "memory_percent")}`,
        ),
        metricClause(
            after,
            "uptime_seconds",
            (m) => gaugeInRange(m, "uptime_seconds", 0, Number.MAX_SAFE_INTEGER),
            (m) => `${total(m, "uptime_seconds")}`,
        ),
        metricClause(
            after,
            "model_info",
            (m) => {
                const info = samplesOf(m, "model_info");
                if (info.length !== 1) return `expected one series, found ${info.length}`;
                const { labels, value } = info[0]!;
                if (value !== 1) return `value ${value}, expected 1`;
                if (labels.stand_in !== "true" && labels.stand_in !== "false")
                    return `stand_in="${labels.stand_in ?? ""}", expected "true" or "false"`;
                if (typeof modelVersion === "string" && labels.version !== modelVersion)
                    return `version="${labels.version ?? ""}" differs from /health's "${modelVersion}"`;
                return undefined;
            },
            (m) => {
                const labels = samplesOf(m, "model_info")[0]!.labels;
                return `version="${labels.version}" stand_in="${labels.stand_in}"`;
            },
        ),
        metricClause(
            after,
            "prediction_total",
            (m) => {
                const missing = ["pneumonia", "normal"].filter((c) => !samplesOf(m, "prediction_total", { class: c }).length);
                return missing.length ? `no series for class ${missing.map((c) => `"${c}"`).join(", ")}` : undefined;
            },
            (m) =>
                ["pneumonia", "normal"]
                    .map((c) => `${c} ${total({ ...m, samples: samplesOf(m, "prediction_total", { class: c }) }, "prediction_total")}`)
                    .join(", "),
        ),
        metricClause(
            after,
            "prediction_confidence",
            (m) => missingBuckets(m, "prediction_confidence", confidenceBuckets),
            () => `buckets ${confidenceBuckets.join(", ")}`,
        ),
    );
    if (sent === 0) {
        results.push(skip("metric-counting", "no POST /predict was answered: nothing to count"));
    } else if (before instanceof Error || after instanceof Error) {
        results.push(fail("metric-counting", `metrics unreadable: ${(before instanceof Error ? before : (after as Error)).message}`));
    } else {
        const inferences = total(after, "inference_total") - total(before, "inference_total");
        const errors = total(after, "error_total") - total(before, "error_total");
        const problem =
            inferences < sent
                ? `inference_total rose by ${inferences}, but this check sent ${sent} POST /predict`
                : errors < failures
                  ? `error_total rose by ${errors}, but ${failures} of this check's POST /predict were answered 5xx`
                  : undefined;
        results.push(
            problem
                ? fail("metric-counting", problem)
                : pass(
                      "metric-counting",
                      `inference_total +${inferences} (sent ${sent}), error_total +${errors} (answered 5xx: ${failures})`,
                  ),
        );
    }
    {
        const memory = after instanceof Error ? undefined : samplesOf(after, "memory_percent").map((s) => s.value);
        const limitPercent = objectives.memoryPercent;
        const highest = memory?.length ? Math.max(...memory) : undefined;
        results.push(
            highest === undefined
                ? fail("memory-headroom", "memory_percent not readable")
                : highest < limitPercent
                  ? pass("memory-headroom", `memory_percent ${highest} (< ${limitPercent})`)
                  : fail("memory-headroom", `memory_percent ${highest} is at or above the manual's ${limitPercent} % limit`),
        );
    }

    results.push(await checkShutdown(target, (p) => predict(p), results));
    return results;
}
