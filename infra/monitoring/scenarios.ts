// The "done when" scenarios and a healthy system, as promtool tests over a whole platform:
// every series a healthy stack exposes, with one thing changed at a time.
import { alertDefinitions } from "./alerts";
import { type Duration, severities, type Severity } from "../observability/alerts";
import type { MonitoringSettings } from "./config";
import { definitionTests, expectedAlerts, type AlertRuleTest, type PromtoolTest } from "./promtool";
import { backupSeries, detectorTraffic, diskSeries, type TrafficPhase } from "./series";
import { gauge, type InputSeries, upSeries } from "../observability/series";

interface Phase {
    steps: number;
    value: number;
}

interface PlatformHistory {
    detectorTraffic: TrafficPhase[];
    detectorUp: Phase[];
    disk: Array<{ steps: number; freeRatio: number }>;
}

const requests = 2000;
/** 1 failure in 2000 (0.05 %), 0.3 s per request: well inside every objective. */
const healthyTraffic = (steps: number): TrafficPhase => ({ steps, requestsPerStep: requests, errorRatio: 0.0005 });

function platformSeries(config: MonitoringSettings, h: PlatformHistory): InputSeries[] {
    const steps = h.detectorUp.reduce((n, p) => n + p.steps, 0);
    const constant = (value: number) => [{ steps, value }];
    return [
        ...detectorTraffic(config, h.detectorTraffic),
        upSeries(config.detector.job, "10.0.0.11:9090", h.detectorUp),
        upSeries(config.detector.job, "10.0.0.12:9090", h.detectorUp),
        gauge(config.detector.cpuPercent, { job: config.detector.job, instance: "10.0.0.11:9090" }, constant(40)),
        gauge(config.detector.memoryPercent, { job: config.detector.job, instance: "10.0.0.11:9090" }, constant(55)),
        upSeries(config.jobs.mlflow, "10.0.0.21:5000", constant(1)),
        upSeries(config.jobs.postgres, "10.0.0.31:9187", constant(1)),
        gauge("pg_up", { job: config.jobs.postgres, instance: "10.0.0.31:9187" }, constant(1)),
        ...diskSeries(config, h.disk),
        ...config.backupKinds.map((kind) => backupSeries(config, kind, "success", constant(0))),
    ];
}

function healthy(steps: number): PlatformHistory {
    return { detectorTraffic: [healthyTraffic(steps)], detectorUp: [{ steps, value: 1 }], disk: [{ steps, freeRatio: 0.6 }] };
}

/** `minutes` healthy, then `change` for `changeMinutes`: one scenario's history. */
function healthyThen(minutes: number, changeMinutes: number, change: Partial<PlatformHistory>): PlatformHistory {
    const base = healthy(minutes);
    const rest = healthy(changeMinutes);
    return {
        detectorTraffic: [...base.detectorTraffic, ...(change.detectorTraffic ?? rest.detectorTraffic)],
        detectorUp: [...base.detectorUp, ...(change.detectorUp ?? rest.detectorUp)],
        disk: [...base.disk, ...(change.disk ?? rest.disk)],
    };
}

function alertNames(config: MonitoringSettings, of: readonly Severity[] = severities): string[] {
    return [
        ...new Set(
            alertDefinitions(config)
                .filter((d) => of.includes(d.severity))
                .map((d) => d.name),
        ),
    ];
}

function nothingFires(config: MonitoringSettings, at: Duration[], of: readonly Severity[]): AlertRuleTest[] {
    return at.flatMap((eval_time) => alertNames(config, of).map((alertname) => ({ eval_time, alertname, exp_alerts: [] })));
}

function fires(
    config: MonitoringSettings,
    at: Duration,
    alertname: string,
    severity: Severity,
    labels: Record<string, string>,
): AlertRuleTest {
    return { eval_time: at, alertname, exp_alerts: expectedAlerts(config, alertDefinitions(config), alertname, [severity], labels) };
}

const paging = ["critical", "high"] as const;

/** The scenarios; the healthy prefix gives every window real history. Steps count samples, not minutes. */
export function scenarioTests(config: MonitoringSettings): PromtoolTest[] {
    const detector = { job: config.detector.job };
    const test = (name: string, history: PlatformHistory, checks: AlertRuleTest[], interval: Duration = "1m"): PromtoolTest => ({
        name: `scenario: ${name}`,
        interval,
        input_series: platformSeries(config, history),
        alert_rule_test: checks,
    });
    const prefix = 30;
    return [
        // The two long scenarios sample every 2 minutes: the same windows, half the evaluations.
        test(
            "a healthy system for two hours fires nothing",
            healthy(61),
            nothingFires(config, ["30m", "60m", "90m", "120m"], severities),
            "2m",
        ),
        test(
            "sustained 3 % errors page within 15 minutes",
            healthyThen(prefix, 16, { detectorTraffic: [{ steps: 16, requestsPerStep: requests, errorRatio: 0.03 }] }),
            [fires(config, "45m", "DetectorErrorRateHigh", "high", detector)],
        ),
        test(
            "0.2 % errors for 90 minutes page nothing",
            healthyThen(prefix / 2, 46, { detectorTraffic: [{ steps: 46, requestsPerStep: requests, errorRatio: 0.002 }] }),
            nothingFires(config, ["45m", "60m", "90m", "120m"], paging),
            "2m",
        ),
        test(
            "the detector down for 5 minutes is critical",
            // Nothing serves, so nothing is counted: the counters stay where they were.
            healthyThen(prefix, 6, { detectorUp: [{ steps: 6, value: 0 }], detectorTraffic: [{ steps: 6, requestsPerStep: 0 }] }),
            [fires(config, "35m", "DetectorDown", "critical", detector)],
        ),
        test(
            "average latency 2.5 s for 20 minutes alerts",
            healthyThen(prefix, 21, { detectorTraffic: [{ steps: 21, requestsPerStep: requests, latency: [{ seconds: 2.5, share: 1 }] }] }),
            [fires(config, "50m", "DetectorLatencyHigh", "high", detector)],
        ),
        test("disk 10 % free alerts", healthyThen(prefix, 21, { disk: [{ steps: 21, freeRatio: 0.1 }] }), [
            fires(config, "50m", "NodeDiskSpaceLow", "medium", { instance: "node-a", mountpoint: "/" }),
        ]),
    ];
}

/** The whole rule test suite: every alert's own cases and the scenarios, by evaluation interval. */
export function ruleTestSuite(config: MonitoringSettings): Map<Duration, PromtoolTest[]> {
    const suite = definitionTests(config);
    for (const t of scenarioTests(config)) suite.set(t.interval, [...(suite.get(t.interval) ?? []), t]);
    return suite;
}
