// `npm run contract` against the detector stand-in, started as a process on 127.0.0.1: every clause
// passes when it is healthy, and each fault knob fails the clause of the contract it breaks
// (docs/detector-contract.md), with a line that says why.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import * as path from "node:path";
import { repoRoot, tsxNode } from "../../helpers/cli";
import { freePort } from "../../../scripts/servers/postgres";
import { startStandIn, type StandIn } from "../../helpers/standin";

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    /** outcome per clause, from the PASS/FAIL/SKIP lines */
    clauses: Map<string, { outcome: string; line: string }>;
}

/** Runs the CLI asynchronously, so this process keeps reaping the stand-in it may stop (--pid). */
function contract(args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(tsxNode[0], [...tsxNode.slice(1), path.join(repoRoot, "src/contract/cli.ts"), ...args], { cwd: repoRoot });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => {
            const clauses = new Map<string, { outcome: string; line: string }>();
            for (const line of stdout.split("\n")) {
                const m = /^(PASS|FAIL|SKIP) (\S+)\s+(.*)$/.exec(line);
                if (m) clauses.set(m[2]!, { outcome: m[1]!, line: m[3]! });
            }
            resolve({ code, stdout, stderr, clauses });
        });
    });
}

const target = (s: StandIn, ...more: string[]) => ["--url", s.url, "--metrics-url", s.metricsUrl, ...more];

function failing(run: Run): string[] {
    return [...run.clauses].filter(([, c]) => c.outcome === "FAIL").map(([name]) => name);
}

describe("npm run contract (src/contract/cli.ts) against the detector stand-in", function () {
    this.timeout(90_000);
    let standIn: StandIn;

    before(async () => {
        // MEMORY_LIMIT_MIB: outside a container there is no cgroup limit to measure the ballast against.
        // 512 MiB leaves room for the transient copies of the check's 20 MiB upload (the heap does not shrink at once).
        standIn = await startStandIn({ env: { MEMORY_LIMIT_MIB: "512" } });
    });
    afterEach(async () => {
        await standIn.setFaults({ errorRatio: 0, latencyMs: 0, ballastMiB: 0, readinessOff: false });
    });
    after(async () => {
        await standIn.stop();
    });

    it("passes every clause of a healthy stand-in and exits 0; shutdown is skipped without --pid", async () => {
        const run = await contract(target(standIn));
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(failing(run), []);
        assert.equal(run.clauses.get("shutdown")?.outcome, "SKIP");
        for (const clause of [
            "health",
            "predict-png",
            "predict-jpeg",
            "predict-dicom",
            "predict-too-large",
            "metric-model-info",
            "metric-counting",
        ]) {
            assert.equal(run.clauses.get(clause)?.outcome, "PASS", clause);
        }
        assert.match(run.clauses.get("metric-model-info")!.line, /stand_in="true"/);
        assert.match(run.clauses.get("predict-png")!.line, /"stand_in":true/);
        // The four bad requests are answered 4xx: counted as inferences, not as the detector's failures.
        assert.match(run.clauses.get("metric-counting")!.line, /^inference_total \+27 \(sent 27\), error_total \+0 \(answered 5xx: 0\)$/);
        assert.match(run.stdout, /detector keeps the contract \(docs\/detector-contract\.md\): 21 clauses passed/);
    });

    it("readiness off: health fails with the 503 the stand-in answers, and so does every prediction", async () => {
        await standIn.setFaults({ readinessOff: true });
        const run = await contract(target(standIn, "--requests", "3"));
        assert.equal(run.code, 1);
        assert.equal(
            run.clauses.get("health")!.line,
            'GET /health → 503 {"status":"loading","model_loaded":false,"stand_in":true}: the model is not loaded (not ready)',
        );
        assert.match(run.clauses.get("predict-success")!.line, /^3 of 3 POST \/predict failed, first: 503 \{"error":"model not loaded"/);
        assert.match(run.stderr, /^error: \d+ of 22 contract clauses failed: health, .* \(see docs\/detector-contract\.md\)\n$/);
    });

    it("5 % injected errors: exactly one of 20 predictions fails with 500, and only predict-success fails", async () => {
        await standIn.setFaults({ errorRatio: 0.05 });
        const run = await contract(target(standIn, "--requests", "20"));
        assert.equal(run.code, 1);
        // The stand-in fails the n-th request since the knob was set when floor(n * 0.05) steps up:
        // the 20th of the 23 predictions here, the 17th of the success run.
        assert.deepEqual(failing(run), ["predict-success"]);
        assert.match(
            run.clauses.get("predict-success")!.line,
            /^1 of 20 POST \/predict failed, first: 500 \{"error":"inference failed \(stand-in fault: errorRatio\)"/,
        );
        assert.match(
            run.clauses.get("metric-counting")!.line,
            /error_total \+1 \(answered 5xx: 1\)$/,
            "the failure is counted in error_total",
        );
    });

    it("added latency: predict-latency fails naming the slowest request against the manual's 2 s", async () => {
        await standIn.setFaults({ latencyMs: 2100 });
        const run = await contract(target(standIn, "--requests", "1"));
        assert.equal(run.code, 1);
        assert.ok(failing(run).includes("predict-latency"), run.stdout);
        assert.equal(run.clauses.get("predict-success")?.outcome, "PASS", "slow is not failed");
        assert.match(run.clauses.get("predict-latency")!.line, /^slowest of 1 POST \/predict took 2\.\d{3} s \(limit 2 s\)$/);
    });

    it("memory ballast: memory-headroom fails at the manual's 85 % limit", async () => {
        await standIn.setFaults({ ballastMiB: 480 });
        const run = await contract(target(standIn, "--requests", "1"));
        assert.equal(run.code, 1);
        assert.deepEqual(failing(run), ["memory-headroom"]);
        assert.match(
            run.clauses.get("memory-headroom")!.line,
            /^memory_percent (8[5-9]|9\d|100)(\.\d+)? is at or above the manual's 85 % limit$/,
        );
    });

    it("--pid: SIGTERM lets the in-flight request finish, the process exits 0 and stops accepting", async () => {
        const own = await startStandIn();
        await own.setFaults({ latencyMs: 300 });
        const run = await contract(target(own, "--requests", "1", "--pid", String(own.pid)));
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(
            run.clauses.get("shutdown")!.line,
            /^in-flight POST \/predict answered 200, process gone \d+\.\d\d s after SIGTERM, new connections refused/,
        );
        assert.equal(await own.exited, 0);
        assert.match(own.output(), /"event":"stopped","clean":true/);
    });
});

describe("npm run contract: what it refuses to conclude", function () {
    this.timeout(60_000);

    /** A process that is not a detector, to be given as --pid: it must survive the check. */
    function bystander(): { pid: number; alive: () => boolean; stop: () => void } {
        const child = spawn("sleep", ["300"], { stdio: "ignore" });
        return {
            pid: child.pid!,
            alive: () => child.exitCode === null && child.signalCode === null,
            stop: () => void child.kill("SIGKILL"),
        };
    }

    it("--pid behind a URL whose /health answers 404: not signalled, the shutdown clause is skipped", async () => {
        const notADetector = createServer((_req, res) => res.writeHead(404, { "content-type": "text/plain" }).end("not found"));
        const port = await freePort();
        await new Promise<void>((r) => notADetector.listen(port, "127.0.0.1", r));
        const other = bystander();
        try {
            const run = await contract([
                "--url",
                `http://127.0.0.1:${port}`,
                "--metrics-url",
                `http://127.0.0.1:${port}/metrics`,
                "--requests",
                "1",
                "--pid",
                String(other.pid),
            ]);
            assert.equal(run.code, 1);
            assert.equal(run.clauses.get("shutdown")?.outcome, "SKIP");
            assert.match(
                run.clauses.get("shutdown")!.line,
                new RegExp(`^pid ${other.pid} not signalled: health, metric-model-info did not pass`),
            );
            await new Promise((r) => setTimeout(r, 200));
            assert.ok(other.alive(), "the process given as --pid was not sent SIGTERM");
        } finally {
            other.stop();
            await new Promise((r) => notADetector.close(r));
        }
    });

    it("--pid of another process than the healthy detector behind --url: fails, not signalled", async () => {
        const standIn = await startStandIn();
        const other = bystander();
        try {
            const run = await contract(target(standIn, "--requests", "1", "--pid", String(other.pid)));
            assert.equal(run.code, 1);
            assert.deepEqual(failing(run), ["shutdown"]);
            assert.match(
                run.clauses.get("shutdown")!.line,
                new RegExp(`^pid ${other.pid} is not the process listening on port \\d+: not signalled$`),
            );
            await new Promise((r) => setTimeout(r, 200));
            assert.ok(other.alive(), "the process given as --pid was not sent SIGTERM");
        } finally {
            other.stop();
            await standIn.stop();
        }
    });

    it("nothing listening at --url: one line naming the URL, exit 1, no clause lines", async () => {
        const port = await freePort();
        const run = await contract(["--url", `http://127.0.0.1:${port}`]);
        assert.equal(run.code, 1);
        assert.equal(run.stdout, "");
        assert.equal(run.stderr, `error: nothing answers at http://127.0.0.1:${port}: GET /health: ECONNREFUSED\n`);
    });

    it("every prediction refused: the latency and counting clauses are skipped, not passed", async () => {
        const standIn = await startStandIn();
        try {
            await standIn.setFaults({ readinessOff: true });
            const run = await contract(target(standIn, "--requests", "2"));
            assert.equal(run.code, 1);
            assert.equal(run.clauses.get("predict-success")?.outcome, "FAIL");
            assert.deepEqual(run.clauses.get("predict-latency"), {
                outcome: "SKIP",
                line: "no POST /predict answered 200 (see predict-success)",
            });
        } finally {
            await standIn.stop();
        }
    });
});

describe("npm run contract against a detector that breaks the metrics clauses", function () {
    this.timeout(60_000);
    let standIn: StandIn;
    let metrics: Server;
    let metricsUrl: string;

    before(async () => {
        standIn = await startStandIn();
        // What a detector without the model-quality metrics and with coarse latency buckets would expose.
        const exposition = [
            "# TYPE inference_total counter",
            "inference_total 3",
            "# TYPE error_total gauge",
            "error_total 0",
            "# TYPE inference_duration_seconds histogram",
            'inference_duration_seconds_bucket{le="1.0"} 3',
            'inference_duration_seconds_bucket{le="5.0"} 3',
            'inference_duration_seconds_bucket{le="+Inf"} 3',
            "inference_duration_seconds_sum 0.3",
            "inference_duration_seconds_count 3",
            "# TYPE cpu_percent gauge",
            "cpu_percent 0.4",
            "# TYPE memory_percent gauge",
            "memory_percent 140",
            "# TYPE uptime_seconds gauge",
            "uptime_seconds 10",
            "",
        ].join("\n");
        metrics = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition));
        const port = await freePort();
        await new Promise<void>((r) => metrics.listen(port, "127.0.0.1", r));
        metricsUrl = `http://127.0.0.1:${port}/metrics`;
    });
    after(async () => {
        await standIn.stop();
        await new Promise((r) => metrics.close(r));
    });

    it("fails one line per broken metric clause", async () => {
        const run = await contract(["--url", standIn.url, "--metrics-url", metricsUrl, "--requests", "1"]);
        assert.equal(run.code, 1);
        const line = (c: string) => run.clauses.get(c)?.line;
        assert.equal(line("metric-error-total"), "error_total is a gauge, the contract says counter");
        assert.equal(
            line("metric-inference-duration-seconds"),
            "inference_duration_seconds: buckets 0.5, 1.5, 2 missing (has 1.0, 5.0, +Inf)",
        );
        assert.equal(line("metric-memory-percent"), "memory_percent: value 140 outside 0–100");
        assert.equal(line("metric-model-info"), "model_info is not exposed (no # TYPE line)");
        assert.equal(line("metric-prediction-total"), "prediction_total is not exposed (no # TYPE line)");
        assert.equal(line("metric-prediction-confidence"), "prediction_confidence is not exposed (no # TYPE line)");
        assert.match(line("metric-counting")!, /^inference_total rose by 0, but this check sent \d+ POST \/predict$/);
        assert.equal(run.clauses.get("metric-inference-total")?.outcome, "PASS");
        assert.equal(run.clauses.get("health")?.outcome, "PASS");
    });

    it("usage errors exit 2 with one line", async () => {
        const none = await contract([]);
        assert.equal(none.code, 2);
        assert.equal(none.stderr, "error: --url is required, e.g. --url http://127.0.0.1:8000\n");
        const bad = await contract(["--url", "localhost:8000x"]);
        assert.equal(bad.code, 2);
        assert.match(
            bad.stderr,
            /^error: --url: expected an http or https URL, got "localhost:8000x"\n$|^error: --url: "localhost:8000x" is not a URL/,
        );
    });
});
