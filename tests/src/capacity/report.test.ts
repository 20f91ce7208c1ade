// npm run capacity-report against a real Prometheus serving a backfilled, synthetic month: the
// report's queries are evaluated by Prometheus itself (HTTP API /api/v1/query, PromQL's
// predict_linear, deriv, quantile_over_time and subqueries), not by a double.
import { strict as assert } from "node:assert";
import { forecastTargets } from "../../../infra/capacity/forecasts";
import { runCli } from "../../helpers/cli";
import { scratchDir, stackConfig } from "../../infra/monitoring/helpers";
import { startPrometheus, type OpenMetricsFamily, type RunningPrometheus } from "./prometheus";

const day = 86400;
const gib = 2 ** 30;
const config = stackConfig("production");
const job = config.monitoring.detector.job;
const ns = config.kubernetes.appNamespace;

/** Samples every `step` seconds over the last `days` days up to `end`, value a function of time. */
function samples(end: number, days: number, step: number, value: (t: number) => number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let t = end - days * day; t <= end; t += step) out.push([t, value(t)]);
    return out;
}

describe("capacity-report (real Prometheus)", function () {
    this.timeout(180_000);
    let dir: ReturnType<typeof scratchDir>;
    let prometheus: RunningPrometheus;
    let end: number;

    before(async () => {
        dir = scratchDir("capacity-report");
        end = Math.floor(Date.now() / 1000) - 60;
        // CPU's weekly average rises 1 point a day and reaches the 70 % trigger 14 days from now; the
        // raw gauge leads its weekly average by half a week.
        const cpuTrigger = forecastTargets(config.monitoring).find((t) => t.trigger === "cpu")!;
        const cpuWeekly = (t: number) => cpuTrigger.threshold + (t - end - 14 * day) / day;
        const volumeCapacity = 50 * gib;
        const families: OpenMetricsFamily[] = [
            {
                name: `job:${config.monitoring.detector.cpuPercent}:avg`,
                type: "gauge",
                series: [{ labels: { job }, samples: samples(end, 28, 300, (t) => cpuWeekly(t + 3.5 * day)) }],
            },
            {
                name: `job:${config.monitoring.detector.memoryPercent}:avg`,
                type: "gauge",
                series: [{ labels: { job }, samples: samples(end, 28, 300, () => 50) }],
            },
            {
                name: "kubelet_volume_stats_capacity_bytes",
                type: "gauge",
                series: [
                    {
                        labels: { namespace: "monitoring", persistentvolumeclaim: "prometheus-db" },
                        samples: samples(end, 28, 300, () => volumeCapacity),
                    },
                ],
            },
            {
                // Used share rises 1 % a day and reaches 80 % (20 % free) 20 days from now.
                name: "kubelet_volume_stats_available_bytes",
                type: "gauge",
                series: [
                    {
                        labels: { namespace: "monitoring", persistentvolumeclaim: "prometheus-db" },
                        samples: samples(end, 28, 300, (t) => Math.round(volumeCapacity * (1 - (0.8 + (t - end - 20 * day) / day / 100)))),
                    },
                ],
            },
            {
                name: "kube_pod_container_resource_requests",
                type: "gauge",
                series: [
                    {
                        labels: { namespace: ns, pod: "detector-a", container: "detector", resource: "cpu", unit: "core" },
                        samples: samples(end, 2, 60, () => 1),
                    },
                    {
                        labels: { namespace: ns, pod: "detector-a", container: "detector", resource: "memory", unit: "byte" },
                        samples: samples(end, 2, 60, () => 2 * gib),
                    },
                ],
            },
            // Half a core, every minute of two days; 1 GiB working set.
            {
                name: "container_cpu_usage_seconds",
                type: "counter",
                series: [
                    {
                        labels: { namespace: ns, pod: "detector-a", container: "detector" },
                        samples: samples(end, 2, 60, (t) => (t - (end - 2 * day)) * 0.5),
                    },
                ],
            },
            {
                name: "container_memory_working_set_bytes",
                type: "gauge",
                series: [{ labels: { namespace: ns, pod: "detector-a", container: "detector" }, samples: samples(end, 2, 60, () => gib) }],
            },
        ];
        prometheus = await startPrometheus(dir.path, families);
    });
    after(() => {
        prometheus?.stop();
        dir?.remove();
    });

    it("prints request, p95 usage and a recommendation computed from usage, and each trigger's forecast date", () => {
        const result = runCli("src/capacity/cli.ts", ["production", "--prometheus-url", prometheus.url]);
        assert.equal(result.code, 0, result.stderr);
        const lines = result.stdout.split("\n");
        const row = (...cells: string[]) => lines.find((l) => cells.every((c, i) => l.split(/\s{2,}/)[i] === c));
        assert.ok(row("detector", "cpu", "1", "500m", "575m", "computed: p95 + 15 %"), result.stdout);
        assert.ok(row("detector", "memory", "2048Mi", "1024Mi", "1178Mi", "computed: p95 + 15 %"), result.stdout);
        assert.ok(row("mlflow", "cpu", "-", "-", "-", "no usage recorded"), result.stdout);
        const dateIn = (days: number) => new Date((Math.floor(Date.now() / 1000) + days * day) * 1000).toISOString().slice(0, 10);
        assert.ok(row("cpu", job, dateIn(14), "14", "WITHIN HORIZON"), result.stdout);
        assert.ok(row("memory", job, "not rising (or no data)", "-"), result.stdout);
        assert.ok(row("volume", "monitoring/prometheus-db", dateIn(20), "20", "WITHIN HORIZON"), result.stdout);
    });

    it("--json gives the same numbers as data", () => {
        const result = runCli("src/capacity/cli.ts", ["production", "--prometheus-url", prometheus.url, "--json"]);
        assert.equal(result.code, 0, result.stderr);
        const report = JSON.parse(result.stdout) as {
            horizonDays: number;
            forecasts: Array<{ trigger: string; crossesAt?: number; withinHorizon: boolean }>;
        };
        assert.equal(report.horizonDays, 30);
        const cpu = report.forecasts.find((f) => f.trigger === "cpu")!;
        assert.ok(Math.abs(cpu.crossesAt! - (end + 14 * day)) < 3600, `cpu crosses at ${cpu.crossesAt}, expected about ${end + 14 * day}`);
        assert.equal(cpu.withinHorizon, true);
    });

    // The same flag and the same exit code as health and promote: an endpoint that does not answer is a failed check (1).
    it("an unreachable Prometheus is one line and exit 1; a missing URL exit 2", () => {
        const down = runCli("src/capacity/cli.ts", ["production", "--prometheus-url", "http://127.0.0.1:9"]);
        assert.equal(down.code, 1);
        assert.match(down.stderr, /^error: prometheus at http:\/\/127\.0\.0\.1:9 is unreachable \(.+\)\n$/);
        const none = runCli("src/capacity/cli.ts", ["production"], { env: { ...process.env, PROMETHEUS_URL: "" } });
        assert.equal(none.code, 2);
        assert.equal(none.stderr, "error: no Prometheus: give --prometheus-url URL or set PROMETHEUS_URL\n");
        assert.equal(none.stdout, "");
    });
});
