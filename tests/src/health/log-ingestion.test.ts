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
                data: { resultType: "streams", result: inRange.length ? [{ stream: { log_class: "application" }, values: inRange.map((e) => [String(e.ns), e.line]) }] : [], stats: {} },
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
        assert.deepEqual(await logIngestionLine(url, fetchHttp(2000), now), { check: "log ingestion: newest line", ok: false, value: "no line in the last hour", expected: "< 10 min old" });
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
