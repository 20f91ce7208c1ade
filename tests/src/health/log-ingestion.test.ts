// The health check's log-ingestion line against a stand-in for Loki's query API, built from
// Loki's HTTP API reference (https://grafana.com/docs/loki/latest/reference/loki-http-api/,
// "Query logs within a range of time"): GET /loki/api/v1/query_range with a LogQL `query`,
// `start`/`end` in nanosecond Unix epoch, `limit` and `direction` (forward|backward); the answer is
// {"status":"success","data":{"resultType":"streams","result":[{"stream":{…},"values":[["<ns>","<line>"]]}]}}.
// Like Loki, the stand-in answers 400 to a request without a query or with another direction.
import * as assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchHttp, logIngestionLine } from "../../../src/health/checks";
import { main } from "../../../src/health/cli";
import { fakeStack, opener } from "../release/fake-stack";
import { healthyScenario, startFakeServices, type FakeServices } from "./fake-services";

interface Entry {
    ms: number;
    line: string;
}

function fakeLoki(entries: () => Entry[], requests: URL[]): Server {
    return createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        requests.push(url);
        const bad = (message: string) => {
            res.writeHead(400, { "content-type": "text/plain" });
            res.end(message);
        };
        if (url.pathname !== "/loki/api/v1/query_range") return bad("404 page not found");
        const query = url.searchParams.get("query");
        const direction = url.searchParams.get("direction") ?? "backward";
        const limit = Number(url.searchParams.get("limit") ?? "100");
        const start = BigInt(url.searchParams.get("start") ?? "0");
        const end = BigInt(url.searchParams.get("end") ?? `${BigInt(Date.now()) * 1_000_000n}`);
        if (!query || !query.startsWith("{")) return bad("parse error : syntax error: unexpected IDENTIFIER");
        if (!["forward", "backward"].includes(direction)) return bad("invalid direction");
        const inRange = entries()
            .map((e) => ({ ns: BigInt(e.ms) * 1_000_000n, line: e.line }))
            .filter((e) => e.ns >= start && e.ns < end)
            .sort((a, b) => (direction === "backward" ? Number(b.ns - a.ns) : Number(a.ns - b.ns)))
            .slice(0, limit);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
            JSON.stringify({
                status: "success",
                data: {
                    resultType: "streams",
                    result: inRange.length
                        ? [{ stream: { log_class: "application" }, values: inRange.map((e) => [String(e.ns), e.line]) }]
                        : [],
                    stats: {},
                },
            }),
        );
    });
}

describe("health check: log ingestion (Loki)", () => {
    const now = Date.UTC(2026, 10, 30, 7, 0, 0);
    let entries: Entry[] = [];
    const requests: URL[] = [];
    let server: Server;
    let url: string;
    before(async () => {
        server = fakeLoki(() => entries, requests);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("passes when the newest line is minutes old, and asks Loki for exactly the newest line", async () => {
        entries = [
            { ms: now - 40 * 60_000, line: "old" },
            { ms: now - 90_000, line: "newest" },
            { ms: now - 5 * 60_000, line: "older" },
        ];
        const line = await logIngestionLine(url, fetchHttp(2000), now);
        assert.deepEqual(line, { check: "log ingestion: newest line", ok: true, value: "1.5 min old", expected: "< 10 min old" });
        const last = requests[requests.length - 1];
        assert.equal(last.searchParams.get("direction"), "backward");
        assert.equal(last.searchParams.get("limit"), "1");
    });

    it("fails when ingestion stopped: the newest line is older than 10 minutes", async () => {
        entries = [{ ms: now - 25 * 60_000, line: "stale" }];
        const line = await logIngestionLine(url, fetchHttp(2000), now);
        assert.equal(line.ok, false);
        assert.equal(line.value, "25.0 min old");
    });

    it("fails when no line arrived in the last hour", async () => {
        entries = [{ ms: now - 3 * 3600_000, line: "ancient" }];
        assert.deepEqual(await logIngestionLine(url, fetchHttp(2000), now), {
            check: "log ingestion: newest line",
            ok: false,
            value: "no line in the last hour",
            expected: "< 10 min old",
        });
    });

    it("fails with the reason when Loki refuses or cannot be reached", async () => {
        const refused = await logIngestionLine(`${url}/wrong-prefix`, fetchHttp(2000), now);
        assert.equal(refused.ok, false);
        assert.match(refused.value, /^loki answered HTTP 400 with no JSON$/);
        const unreachable = await logIngestionLine("http://127.0.0.1:9", fetchHttp(2000), now);
        assert.equal(unreachable.ok, false);
        assert.match(unreachable.value, /^loki unreachable/);
    });
});

describe("npm run health: the log-ingestion line", () => {
    let services: FakeServices;
    let env: Record<string, string>;
    let loki: Server;
    let lokiUrl: string;
    before(async () => {
        services = await startFakeServices();
        services.scenario = healthyScenario();
        env = {
            DETECTOR_URL: services.endpoints.detector,
            MLFLOW_URL: services.endpoints.mlflow,
            PROMETHEUS_URL: services.endpoints.prometheus,
            ALERTMANAGER_URL: services.endpoints.alertmanager,
        };
        loki = fakeLoki(() => [{ ms: Date.now() - 30_000, line: "recent" }], []);
        await new Promise<void>((resolve) => loki.listen(0, "127.0.0.1", resolve));
        lokiUrl = `http://127.0.0.1:${(loki.address() as AddressInfo).port}`;
    });
    after(async () => {
        await services.stop();
        await new Promise<void>((resolve) => loki.close(() => resolve()));
    });
    const refuse = () => Promise.reject(new Error("no pulumi"));

    it("reports the newest line's age from --loki-url or LOKI_URL", async () => {
        const out: string[] = [];
        assert.equal(await main(["staging", "--loki-url", lokiUrl], { open: refuse, env, out: (t) => out.push(t) }), 0);
        assert.match(out.join("\n"), /^log ingestion: newest line\s+PASS\s+0\.\d min old\s+< 10 min old$/m);
        const fromEnv: string[] = [];
        assert.equal(await main(["staging"], { open: refuse, env: { ...env, LOKI_URL: `${lokiUrl}/` }, out: (t) => fromEnv.push(t) }), 0);
        assert.match(fromEnv.join("\n"), /log ingestion: newest line\s+PASS/);
    });

    it("takes Loki from the stack output lokiUrl, and leaves the line out when there is none", async () => {
        const out: string[] = [];
        assert.equal(
            await main(["staging"], { open: opener(fakeStack("staging", { outputs: { lokiUrl } })), env, out: (t) => out.push(t) }),
            0,
        );
        assert.match(out.join("\n"), /log ingestion: newest line\s+PASS/);
        const none: string[] = [];
        assert.equal(await main(["staging"], { open: refuse, env, out: (t) => none.push(t) }), 0);
        assert.doesNotMatch(none.join("\n"), /log ingestion/);
    });

    it("fails the check when Loki is unreachable, and refuses a --loki-url that is not a URL", async () => {
        const out: string[] = [];
        assert.equal(await main(["staging", "--loki-url", "http://127.0.0.1:9"], { open: refuse, env, out: (t) => out.push(t) }), 1);
        assert.match(out.join("\n"), /checks failed: log ingestion: newest line$/m);
        await assert.rejects(
            main(["staging", "--loki-url", "loki:3100"], { open: refuse, env, out: () => undefined }),
            /--loki-url: expected an http\(s\) URL, got "loki:3100"/,
        );
    });
});
