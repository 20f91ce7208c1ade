// npm run contract -- --url <base> [--metrics-url <url>]: checks a running detector against the
// detector contract (docs/detector-contract.md), one PASS/FAIL line per clause; exit 1 on any FAIL.
import { CheckFailedError, runCommand, UsageError } from "../cli/command";
import { checkContract, contractDoc } from "./clauses";

function parseUrl(option: string, value: string): URL {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new UsageError(`--${option}: "${value}" is not a URL such as http://127.0.0.1:8000`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new UsageError(`--${option}: expected an http or https URL, got "${value}"`);
    return url;
}

function positiveInteger(option: string, value: string | undefined, fallback: number, max: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${option}: expected an integer from 1 to ${max}, got "${value}"`);
    return n;
}

runCommand(
    {
        invocation: "npm run --silent contract --",
        summary: `Checks a running detector against the detector contract (${contractDoc}): prints PASS, FAIL or SKIP and the evidence for each clause; exit 1 if any clause fails.`,
        options: {
            url: { type: "string", value: "URL", description: "the detector's API base URL (port 8000), e.g. http://127.0.0.1:8000" },
            "metrics-url": {
                type: "string",
                value: "URL",
                description: "its metrics endpoint (default: the same host on port 9090, /metrics)",
            },
            requests: {
                type: "string",
                value: "N",
                description: "POST /predict requests for the success and latency clauses (default 20)",
            },
            pid: {
                type: "string",
                value: "PID",
                description:
                    "a local detector process: also check graceful shutdown by sending it SIGTERM (only once health and model_info pass and PID listens on --url's port)",
            },
            "timeout-seconds": { type: "string", value: "S", description: "per-request timeout (default 10)" },
        },
        maxPositionals: 0,
        examples: [
            "npm run --silent contract -- --url http://127.0.0.1:8000",
            "kubectl -n pneumonia port-forward svc/detector 8000 9090 & npm run --silent contract -- --url http://127.0.0.1:8000 --metrics-url http://127.0.0.1:9090/metrics",
        ],
        notes: ["Exit codes: 0 every clause passed, 1 a clause failed, 2 usage error."],
    },
    async ({ values }) => {
        if (!values.url) throw new UsageError("--url is required, e.g. --url http://127.0.0.1:8000");
        const base = parseUrl("url", values.url);
        let metricsUrl: string;
        if (values["metrics-url"]) metricsUrl = parseUrl("metrics-url", values["metrics-url"]).href;
        else {
            const m = new URL(base.href);
            m.port = "9090";
            m.pathname = "/metrics";
            metricsUrl = m.href;
        }
        const pid = values.pid === undefined ? undefined : positiveInteger("pid", values.pid, 0, 4_194_304);
        const results = await checkContract({
            url: base.href.replace(/\/+$/, ""),
            metricsUrl,
            requests: positiveInteger("requests", values.requests, 20, 10_000),
            pid,
            timeoutMs: positiveInteger("timeout-seconds", values["timeout-seconds"], 10, 600) * 1000,
        });
        const width = Math.max(...results.map((r) => r.clause.length));
        for (const r of results) process.stdout.write(`${r.outcome} ${r.clause.padEnd(width)}  ${r.evidence}\n`);
        const failed = results.filter((r) => r.outcome === "FAIL");
        if (failed.length)
            throw new CheckFailedError(
                `${failed.length} of ${results.length} contract clauses failed: ${failed.map((r) => r.clause).join(", ")} (see ${contractDoc})`,
            );
        process.stdout.write(
            `detector keeps the contract (${contractDoc}): ${results.filter((r) => r.outcome === "PASS").length} clauses passed\n`,
        );
        return 0;
    },
);
