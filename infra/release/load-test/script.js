// The staging load test, run by grafana/k6 in the detector-load-test Job (infra/release/load-test.ts).
// Two scenarios: the manual's `ab -n REQUESTS -c CONCURRENCY .../predict`, then a steady run at the
// expected peak. Every number arrives through the environment from infra/manual.ts and the stack's
// `release.loadTest` config; nothing is restated here. The result is pushed to the Pushgateway,
// where `npm run promote` reads it: production only gets an image whose staging load test passed.
// k6 modules and options: https://grafana.com/docs/k6/latest/javascript-api/ and .../using-k6/k6-options/
/* global __ENV, open */ // k6 globals: https://grafana.com/docs/k6/latest/javascript-api/init-context/open/ and .../using-k6/environment-variables/
import http from "k6/http";
import { check, sleep } from "k6";

const env = (name) => {
    const value = __ENV[name];
    if (value === undefined || value === "") throw new Error(`load test: environment variable ${name} is not set`);
    return value;
};

const target = env("DETECTOR_URL");
const image = env("DETECTOR_IMAGE");
const pushgateway = env("PUSHGATEWAY_URL");
const pushJob = env("PUSHGATEWAY_JOB");
const requests = Number(env("REQUESTS"));
const concurrency = Number(env("CONCURRENCY"));
const steadyMinutes = Number(env("STEADY_MINUTES"));
const steadyRate = Number(env("STEADY_RATE_PER_SECOND"));
const p95Milliseconds = Number(env("P95_LIMIT_SECONDS")) * 1000;
const errorRate = Number(env("ERROR_RATE_LIMIT"));
const payloadNames = env("PAYLOADS").split(",");

// Init context: k6 reads files only here (open(path, "b") for binary).
const payloads = payloadNames.map((name) => ({ name, data: open(`${env("PAYLOAD_DIR")}/${name}`, "b") }));

const durationMetric = "http_req_duration{name:predict}";
const failedMetric = "http_req_failed{name:predict}";

// The manual's run is given two minutes to finish before the steady run starts.
const manualMaxDuration = 120;
// The new version's pods may still be loading the model when the Job starts: wait for them.
const readySeconds = Number(env("READY_TIMEOUT_SECONDS"));

export const options = {
    scenarios: {
        manual: { executor: "shared-iterations", vus: concurrency, iterations: requests, maxDuration: `${manualMaxDuration}s` },
        ...(steadyMinutes > 0
            ? {
                  steady: {
                      executor: "constant-arrival-rate",
                      rate: steadyRate,
                      timeUnit: "1s",
                      duration: `${steadyMinutes}m`,
                      preAllocatedVUs: Math.max(concurrency, steadyRate * 2),
                      startTime: `${manualMaxDuration}s`,
                  },
              }
            : {}),
    },
    // On /predict only: the readiness polls of setup() are not the load.
    thresholds: {
        [durationMetric]: [`p(95)<${p95Milliseconds}`],
        [failedMetric]: [`rate<${errorRate}`],
    },
    summaryTrendStats: ["avg", "med", "p(95)", "max", "count"],
    setupTimeout: `${readySeconds + 30}s`,
};

/** Waits until the target answers /health (the detector contract: 200 once the model is loaded). */
export function setup() {
    for (let waited = 0; waited < readySeconds; waited += 5) {
        if (http.get(`${target}/health`, { tags: { name: "readiness" }, responseCallback: http.expectedStatuses(200, 503) }).status === 200) return;
        sleep(5);
    }
    throw new Error(`load test: ${target}/health did not answer 200 within ${readySeconds} s`);
}

export default function () {
    const payload = payloads[Math.floor(Math.random() * payloads.length)];
    // The detector contract: multipart/form-data, one file field `file`, image/png.
    const response = http.post(`${target}/predict`, { file: http.file(payload.data, payload.name, "image/png") }, { tags: { name: "predict" } });
    check(response, {
        "status 200": (r) => r.status === 200,
        "a prediction": (r) => r.status === 200 && ["PNEUMONIA", "NORMAL"].includes(r.json("prediction")),
    });
}

/** Whether every threshold held, from the end-of-test summary (data.metrics.<metric>.thresholds.<expr>.ok). */
export function thresholdsPassed(data) {
    return Object.values(data.metrics).every((metric) => Object.values(metric.thresholds || {}).every((t) => t.ok));
}

/** The result in the Prometheus text format, one gauge per figure, labelled with the image tested. */
export function resultMetrics(data, testedImage, nowSeconds) {
    const label = `{image="${testedImage.replace(/["\\]/g, "")}"}`;
    const figures = {
        pneumonia_load_test_passed: thresholdsPassed(data) ? 1 : 0,
        pneumonia_load_test_p95_seconds: data.metrics[durationMetric].values["p(95)"] / 1000,
        pneumonia_load_test_error_ratio: data.metrics[failedMetric].values.rate,
        pneumonia_load_test_requests: data.metrics[durationMetric].values.count,
        pneumonia_load_test_timestamp_seconds: nowSeconds,
    };
    return Object.entries(figures)
        .map(([name, value]) => `# TYPE ${name} gauge\n${name}${label} ${value}\n`)
        .join("");
}

export function handleSummary(data) {
    // PUT replaces the group's metrics: the Pushgateway keeps the latest staging load test only.
    const push = http.put(`${pushgateway}/metrics/job/${pushJob}`, resultMetrics(data, image, Math.floor(Date.now() / 1000)), {
        headers: { "Content-Type": "text/plain; version=0.0.4" },
    });
    const line = `load test of ${image}: ${thresholdsPassed(data) ? "PASSED" : "FAILED"}; result push: HTTP ${push.status}\n`;
    return { stdout: line + JSON.stringify(data.metrics[durationMetric].values) + "\n" };
}
