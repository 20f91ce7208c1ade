// The staging load test. k6 cannot run here (no binary in npm or Debian), so the script is loaded
// the way k6 loads it, as an ES module (https://grafana.com/docs/k6/latest/using-k6/modules/), in
// Node with stand-ins for k6's init-context globals (`__ENV`, `open`) and its `k6` and `k6/http`
// modules; its exported `options` must carry the manual's thresholds in k6's threshold syntax
// (https://grafana.com/docs/k6/latest/using-k6/thresholds/), and its summary handler must turn an
// end-of-test summary (https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/)
// into the Pushgateway push `npm run promote` reads.
import { strict as assert } from "node:assert";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { objectives, releaseWatch } from "../../../infra/observability/objectives";
import { releaseDefaults } from "../../../infra/release/config";
import { loadTestDir, loadTestEnvironment, loadTestPayloads, loadTestScript } from "../../../infra/release/load-test";
import { loadTestJobLabel, loadTestMetrics } from "../../../infra/release/load-test-result";
import { chestPng, payloads } from "../../../scripts/load-test-payloads";
import { at, plan, resource } from "../../helpers/plan";
import { scratchDir } from "../monitoring/helpers";

interface K6Script {
    options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> };
    default: () => void;
    handleSummary: (data: unknown) => { stdout: string };
    resultMetrics: (data: unknown, image: string, now: number) => string;
}

/** Loads the script as an ES module with k6's init context stood in; returns it and what it posted. */
async function loadScript(
    env: Record<string, string>,
): Promise<{ script: K6Script; requests: Array<{ method: string; url: string; body: unknown }> }> {
    const dir = scratchDir("k6-script");
    const requests: Array<{ method: string; url: string; body: unknown }> = [];
    const g = globalThis as Record<string, unknown>;
    g.__ENV = env;
    g.open = (path: string, mode: string) => {
        assert.equal(mode, "b", "payloads are read as binary");
        return readFileSync(path.replace(env.PAYLOAD_DIR!, join(loadTestDir, "payloads")));
    };
    g.__k6requests = requests;
    mkdirSync(join(dir.path, "node_modules", "k6"), { recursive: true });
    writeFileSync(
        join(dir.path, "node_modules", "k6", "package.json"),
        JSON.stringify({ name: "k6", type: "module", exports: { ".": "./index.js", "./http": "./http.js" } }),
    );
    writeFileSync(
        join(dir.path, "node_modules", "k6", "index.js"),
        "export function check() { return true; }\nexport function sleep() {}\n",
    );
    writeFileSync(
        join(dir.path, "node_modules", "k6", "http.js"),
        [
            "const record = (method) => (url, body, params) => { globalThis.__k6requests.push({ method, url, body, params }); return { status: 200, json: () => 'NORMAL' }; };",
            "export default { get: record('GET'), post: record('POST'), put: record('PUT'), expectedStatuses: (...codes) => codes, file: (data, filename, contentType) => ({ data, filename, contentType }) };",
        ].join("\n"),
    );
    writeFileSync(join(dir.path, "package.json"), JSON.stringify({ type: "module" }));
    copyFileSync(join(loadTestDir, loadTestScript), join(dir.path, "script.js"));
    try {
        return { script: (await import(pathToFileURL(join(dir.path, "script.js")).href)) as K6Script, requests };
    } finally {
        dir.remove();
    }
}

const config = releaseDefaults("staging").loadTest;
const env = loadTestEnvironment(
    config,
    "http://detector-canary.pneumonia.svc.cluster.local:8000",
    "repo@sha256:" + "a".repeat(64),
    "http://pushgateway.monitoring.svc.cluster.local:9091",
);

describe("release: the staging load test (k6 script)", () => {
    it("parses as an ES module and sets the manual's thresholds: p95 < 2 s, errors < 1 %", async () => {
        const { script } = await loadScript(env);
        assert.deepEqual(script.options.thresholds, {
            "http_req_duration{name:predict}": [`p(95)<${objectives.latencySeconds * 1000}`],
            "http_req_failed{name:predict}": [`rate<${objectives.errorRate}`],
        });
        assert.deepEqual(script.options.thresholds, {
            "http_req_duration{name:predict}": ["p(95)<2000"],
            "http_req_failed{name:predict}": ["rate<0.01"],
        });
    });

    it("runs the manual's 100 requests at concurrency 5, then the steady run", async () => {
        const { script } = await loadScript(env);
        assert.deepEqual(script.options.scenarios.manual, {
            executor: "shared-iterations",
            vus: releaseWatch.loadTest.concurrency,
            iterations: releaseWatch.loadTest.requests,
            maxDuration: "120s",
        });
        assert.equal(script.options.scenarios.steady!.duration, "5m");
        assert.equal(script.options.scenarios.steady!.startTime, "120s");
    });

    it("posts a PNG in the multipart field `file` to /predict", async () => {
        const { script, requests } = await loadScript(env);
        script.default();
        assert.equal(requests[0]!.url, `${env.DETECTOR_URL}/predict`);
        assert.deepEqual((requests[0] as unknown as { params: unknown }).params, { tags: { name: "predict" } });
        const file = (requests[0]!.body as { file: { data: Buffer; contentType: string; filename: string } }).file;
        assert.equal(file.contentType, "image/png");
        assert.ok(loadTestPayloads.includes(file.filename));
        assert.deepEqual([...file.data.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    });

    it("waits for the new version's /health before loading it", async () => {
        const { script, requests } = await loadScript(env);
        (script as unknown as { setup: () => void }).setup();
        assert.deepEqual(
            requests.map((r) => `${r.method} ${r.url}`),
            [`GET ${env.DETECTOR_URL}/health`],
        );
    });

    it("refuses to start without its settings", async () => {
        const { DETECTOR_IMAGE: _, ...missing } = env;
        await assert.rejects(loadScript(missing), /DETECTOR_IMAGE is not set/);
    });

    const summary = (p95Ms: number, failedRate: number) => ({
        metrics: {
            http_req_duration: { values: { "p(95)": 9000 } },
            "http_req_duration{name:predict}": {
                values: { "p(95)": p95Ms, count: 700 },
                thresholds: { "p(95)<2000": { ok: p95Ms < 2000 } },
            },
            "http_req_failed{name:predict}": { values: { rate: failedRate }, thresholds: { "rate<0.01": { ok: failedRate < 0.01 } } },
        },
    });

    it("pushes passed=1 with the image for a run within the thresholds, and passed=0 when one is crossed", async () => {
        const { script, requests } = await loadScript(env);
        const good = script.resultMetrics(summary(450, 0.002), env.DETECTOR_IMAGE!, 1_800_000_000);
        assert.match(
            good,
            new RegExp(`^pneumonia_load_test_passed\\{image="${env.DETECTOR_IMAGE!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\} 1$`, "m"),
        );
        assert.match(good, /^pneumonia_load_test_p95_seconds\{.*\} 0\.45$/m);
        assert.match(good, /^pneumonia_load_test_requests\{.*\} 700$/m);
        assert.match(script.resultMetrics(summary(2500, 0.002), env.DETECTOR_IMAGE!, 1), /^pneumonia_load_test_passed\{.*\} 0$/m);
        assert.match(script.resultMetrics(summary(450, 0.03), env.DETECTOR_IMAGE!, 1), /^pneumonia_load_test_passed\{.*\} 0$/m);
        const pushedNames = [...good.matchAll(/^(\w+)\{/gm)].map((m) => m[1]);
        assert.deepEqual(pushedNames.sort(), Object.values(loadTestMetrics).sort(), "the names promote and the dashboard read");
        script.handleSummary(summary(450, 0.002));
        const push = requests.find((r) => r.method === "PUT")!;
        // The Pushgateway's push API: PUT /metrics/job/<job> replaces the group (https://github.com/prometheus/pushgateway#api).
        assert.equal(push.url, `${env.PUSHGATEWAY_URL}/metrics/job/${loadTestJobLabel}`);
    });
});

describe("release: the staging load-test Job", () => {
    it("runs in staging only, with the pinned k6 image, the script and payloads mounted", async () => {
        const p = await plan("staging");
        const job = resource(p, "kubernetes:batch/v1:Job", "load-test").inputs;
        const container = at(job, "spec.template.spec.containers.0");
        assert.match(container.image, /^grafana\/k6:\d+\.\d+\.\d+$/);
        assert.deepEqual(container.args, ["run", "--quiet", "/load-test/script.js"]);
        const envOf = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(envOf.P95_LIMIT_SECONDS, String(objectives.latencySeconds));
        assert.equal(envOf.ERROR_RATE_LIMIT, String(objectives.errorRate));
        assert.equal(envOf.DETECTOR_URL, "http://detector-canary.pneumonia.svc.cluster.local:8000");
        const files = resource(p, "kubernetes:core/v1:ConfigMap", "load-test").inputs;
        assert.deepEqual(Object.keys(files.binaryData as object).sort(), [...loadTestPayloads].sort());
        assert.ok(!(await plan("production")).resources.some((r) => r.type === "kubernetes:batch/v1:Job" && r.name === "load-test"));
    });
});

describe("release: the load test's payloads", () => {
    it("are the generator's PNGs, byte for byte (npm run load-test:payloads rewrites them)", async () => {
        assert.deepEqual(
            payloads.map((p) => p.name),
            loadTestPayloads,
        );
        for (const p of payloads) assert.ok(readFileSync(join(loadTestDir, "payloads", p.name)).equals(chestPng(p.size, p.seed)), p.name);
    });
});
