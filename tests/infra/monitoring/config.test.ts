import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { monitoringDefaults } from "../../../infra/monitoring/config";

const base = { environment: "staging", detector: { image: "ghcr.io/pneumonia-detector/api:1.4.2" }, aws: { region: "eu-west-1" } };
const parse = (monitoring: Record<string, unknown>) => parsePlatformConfig({ ...base, environment: "local", monitoring }, "local");

describe("monitoring: config section", () => {
    it("defaults to the metric contract of the issue", () => {
        const c = parse({}).monitoring;
        assert.deepEqual(c.detector, {
            job: "pneumonia-detector",
            inferenceTotal: "inference_total",
            errorTotal: "error_total",
            inferenceDuration: "inference_duration_seconds",
            cpuPercent: "cpu_percent",
            memoryPercent: "memory_percent",
        });
        assert.deepEqual(c.backupKinds, ["db", "models", "config", "verify"]);
    });

    it("takes snapshots for the metrics RPO in AWS stacks only by default", () => {
        assert.equal(monitoringDefaults("production").metricsSnapshots.enabled, true);
        assert.equal(monitoringDefaults("staging").metricsSnapshots.enabled, true);
        assert.equal(monitoringDefaults("local").metricsSnapshots.enabled, false);
    });

    it("accepts a renamed metric", () => {
        assert.equal(
            parse({ detector: { errorTotal: "inference_errors_total" } }).monitoring.detector.errorTotal,
            "inference_errors_total",
        );
    });

    const rejects: Array<[string, Record<string, unknown>, RegExp]> = [
        [
            "a metric name with a dash",
            { detector: { inferenceTotal: "inference-total" } },
            /^monitoring\.detector\.inferenceTotal: expected a Prometheus metric name/,
        ],
        [
            "an hourly interval above the RPO",
            { metricsSnapshots: { enabled: true, intervalHours: 2, retainCount: 48 } },
            /^monitoring\.metricsSnapshots\.intervalHours: expected 1: the manual's metrics RPO is 1 hour/,
        ],
        [
            "an interval DLM does not accept",
            { metricsSnapshots: { enabled: false, intervalHours: 5, retainCount: 48 } },
            /^monitoring\.metricsSnapshots\.intervalHours: expected one of 1, 2, 3, 4, 6, 8, 12, 24/,
        ],
        [
            "business hours ending before they start",
            { businessHours: { location: "UTC", start: "17:00", end: "09:00" } },
            /^monitoring\.businessHours\.end: expected a time after businessHours\.start/,
        ],
        [
            "an unknown backup kind",
            { backupKinds: ["db", "logs"] },
            /^monitoring\.backupKinds\.1: expected one of db, models, config, verify/,
        ],
        ["an unknown key", { retension: "7d" }, /^monitoring\.retension: unknown key/],
        [
            "a runbook base URL with a trailing slash",
            { runbookBaseUrl: "https://github.com/org/repo/blob/main/" },
            /^monitoring\.runbookBaseUrl: expected an https URL without a trailing slash/,
        ],
    ];
    for (const [what, monitoring, message] of rejects) {
        it(`rejects ${what} with one line naming the key`, () => {
            assert.throws(
                () => parse(monitoring),
                (e: Error) => e instanceof ConfigError && message.test(e.message) && !e.message.includes("\n"),
            );
        });
    }
});
