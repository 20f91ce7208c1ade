// The alert path end to end, with real servers on 127.0.0.1: the detector stand-in (a process),
// Debian's Prometheus loaded with the PrometheusRule objects and ServiceMonitors of the production
// stack's plan (targets rewritten to local addresses, 1 s scrape and evaluation intervals), and
// Debian's Alertmanager with production's rendered configuration, every receiver pointed at a local
// webhook. No rule, threshold, `for` or route is changed for the test.
//
// Scenarios, chosen for `for` durations that fit a short suite:
//   healthy            nothing pending or firing, nothing at the webhook but the Watchdog heartbeat (if routed)
//   injected 5 % errors DetectorErrorBudgetBurn, critical tier (14.4x burn over 1h and 5m, for 2m) → pager-critical;
//                      DetectorErrorRateHigh (for 5m) and the slower burn tiers (15m, 1h) are too slow for the suite
//   errors cleared     resolved notifications at pager-critical
//   stand-in stopped   DetectorDown (for 2m) → pager-critical
//   stand-in restarted resolved notifications at pager-critical
// The two fault scenarios run at the same time on two independent pipelines, so the suite takes
// about one `for` (2 min) plus one critical group_interval (1 min). Reproduce by hand: docs/e2e.md.
//
// The canary analysis (the plan's AnalysisTemplate metrics, each query through this Prometheus and its
// conditions evaluated as Argo Rollouts does: ./canary-analysis.ts) on the same servers, the stand-in
// labelled as a canary pod:
//   healthy            every metric Successful
//   injected 5 % errors error-rate and success-rate Failed, latency-p95 Successful (during the alert wait: no added time)
//   2.5 s added latency latency-p95 Failed, error-rate and success-rate Successful (the down pipeline, before it stops)
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parsePlatformConfig } from "../../infra/config";
import type { MonitoringSettings } from "../../infra/monitoring/config";
import { alertmanagerArtifact } from "../../infra/monitoring/alertmanager";
import { receiverFor } from "../../infra/observability/runbook";
import { runbookUrl } from "../../infra/monitoring/rules";
import type { Plan } from "../../src/plan/run";
import { png } from "../../src/contract/payloads";
import { repoRoot } from "../helpers/cli";
import { plan } from "../helpers/plan";
import { startStandIn, type StandIn } from "../helpers/standin";
import { canaryPodLabels, measure, renderedAnalysisMetrics, type AnalysisMetric, type Measurement } from "./canary-analysis";
import { alertmanagerForWebhook, rulesFile, scrapeConfigs } from "./rendered";
import {
    routedReceiver,
    startAlertmanager,
    startPrometheus,
    startStaticTarget,
    startWebhook,
    type Daemon,
    type Notification,
    type Webhook,
} from "./servers";

const stack = "production";
const interval = "1s";
const steadyRps = 5;
/**
 * After the errors stop, healthy traffic at 12x the error phase's rate dilutes the burn windows
 * (5m and 1h) below the 1.44 % threshold in about half a minute instead of about eight: the same
 * rule, less waiting.
 */
const recoveryRps = 60;
/** The canary ReplicaSet's pod-template hash, the AnalysisRun's `canary-hash` argument (Kubernetes' safe alphabet). */
const canaryHash = "7c9d8f5b6d";

interface Traffic {
    setRate(rps: number): void;
    sent(): number;
    stop(): void;
}

/** Steady POST /predict load, fire and forget; refused connections (a stopped detector) are ignored. */
function startTraffic(url: string, rps: number): Traffic {
    let rate = rps;
    let owed = 0;
    let sent = 0;
    const image = png();
    const timer = setInterval(() => {
        owed += rate / 20;
        for (; owed >= 1; owed -= 1) {
            const form = new FormData();
            form.append("file", new Blob([image as Uint8Array<ArrayBuffer>], { type: "image/png" }), "chest.png");
            sent += 1;
            fetch(`${url}/predict`, { method: "POST", body: form, signal: AbortSignal.timeout(5000) }).then(
                (r) => r.arrayBuffer(),
                () => undefined,
            );
        }
    }, 50);
    return { setRate: (r) => (rate = r), sent: () => sent, stop: () => clearInterval(timer) };
}

/** Which alert a notification is about, and whether it fires or resolves, per integration's payload. */
function describeNotification(n: Notification): { alertname?: string; status: string; key?: string } {
    switch (n.integration) {
        case "webhook":
            return { alertname: n.body.commonLabels?.alertname, status: n.body.status };
        case "slack": {
            // title: [FIRING] SEV-1 DetectorDown (detector), from infra/monitoring/alertmanager.ts
            const m = /^\[(FIRING|RESOLVED)[^\]]*\] SEV-\d (\S+)/.exec(n.body.attachments?.[0]?.title ?? "");
            return { alertname: m?.[2], status: (m?.[1] ?? "unknown").toLowerCase() };
        }
        case "pagerduty":
            // Events API v2: a trigger carries the summary; a resolve only the dedup_key of its trigger.
            return {
                alertname: n.body.payload?.summary?.split(":")[0],
                status: n.body.event_action === "resolve" ? "resolved" : "firing",
                key: n.body.dedup_key,
            };
    }
}

interface Pipeline {
    name: string;
    standIn: StandIn;
    prometheus: Daemon;
    alertmanager: Daemon;
    webhook: Webhook;
    traffic: Traffic;
    stop(): Promise<void>;
}

async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

async function query(prometheus: Daemon, expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
}

async function activeAlerts(prometheus: Daemon): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const res = await fetch(`${prometheus.url}/api/v1/alerts`);
    return ((await res.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }).data.alerts;
}

/**
 * What healthy neighbours expose: the postgres exporter's pg_up, and on the Pushgateway each backup
 * kind's last success an hour ago, with the job and kind labels the backup runner pushes.
 */
function neighbours(monitoring: MonitoringSettings): () => string {
    return () =>
        [
            "# TYPE pg_up gauge",
            "pg_up 1",
            "# TYPE pneumonia_backup_last_success_timestamp_seconds gauge",
            ...monitoring.backupKinds.map(
                (kind) =>
                    `pneumonia_backup_last_success_timestamp_seconds{job="${monitoring.jobs.backups}",kind="${kind}"} ${Math.floor(Date.now() / 1000) - 3600}`,
            ),
            "",
        ].join("\n");
}

async function startPipeline(name: string, planned: Plan, alertmanagerConfig: Record<string, unknown>): Promise<Pipeline> {
    const stopping: Array<() => Promise<void> | void> = [];
    let self: Pipeline | undefined;
    const stop = async () => {
        for (const s of stopping.reverse()) await s();
    };
    try {
        const webhook = await startWebhook();
        stopping.push(webhook.stop);
        const alertmanager = await startAlertmanager(alertmanagerForWebhook(alertmanagerConfig, webhook.url));
        stopping.push(alertmanager.stop);
        const standIn = await startStandIn({ env: { INFERENCE_MS: "5" } });
        // The down scenario replaces the stand-in: stop whichever runs at the end.
        stopping.push(() => (self?.standIn ?? standIn).stop().then(() => undefined));
        const others = await startStaticTarget(neighbours(parsePlatformConfig(planned.config, planned.stack).monitoring));
        stopping.push(others.stop);
        const { configs, skipped } = scrapeConfigs(
            planned,
            {
                detector: `127.0.0.1:${standIn.ports.metrics}`,
                mlflow: others.address,
                "postgres-exporter": others.address,
                pushgateway: others.address,
            },
            interval,
            // The stand-in is the canary's pod, so the analysis queries select it.
            { detector: canaryPodLabels(planned, "detector", canaryHash) },
        );
        if (skipped.length)
            process.stdout.write(`      [e2e] ServiceMonitors without a local target (not scraped): ${skipped.join(", ")}\n`);
        const prometheus = await startPrometheus(
            {
                global: { scrape_interval: interval, evaluation_interval: interval },
                alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }] },
                scrape_configs: configs,
            },
            rulesFile(planned),
        );
        stopping.push(prometheus.stop);
        const traffic = startTraffic(standIn.url, steadyRps);
        stopping.push(() => traffic.stop());
        self = { name, standIn, prometheus, alertmanager, webhook, traffic, stop };
        return self;
    } catch (e) {
        await stop();
        throw e;
    }
}

interface Healthy {
    seconds: number;
    /** alerts pending or firing besides Watchdog, seen during the window */
    alerts: string[];
    /** notifications besides Watchdog's received by the end of the window */
    notifications: string[];
}

/**
 * Once every target is scraped: 10 evaluations with no alert but Watchdog pending or firing (the
 * capacity forecasts too: they need a week of history, infra/capacity/forecasts.ts minimumHistory).
 */
async function healthyWindow(p: Pipeline): Promise<Healthy> {
    const start = Date.now();
    await poll(`${p.name}: every target up`, 60_000, async () => {
        const up = await query(p.prometheus, "job:up:sum");
        return up.length >= 3 && up.every((s) => Number(s.value[1]) >= 1) ? true : undefined;
    });
    // A rule evaluated before the first scrape may have gone pending; give the state a cycle to clear.
    await new Promise((r) => setTimeout(r, 2000));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
        for (const a of await activeAlerts(p.prometheus)) {
            if (a.labels.alertname === "Watchdog") continue;
            seen.add(`${a.labels.alertname} (${a.state})`);
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    const notifications = p.webhook.notifications
        .filter((n) => describeNotification(n).alertname !== "Watchdog")
        .map((n) => `${n.receiver}/${n.integration}: ${describeNotification(n).alertname}`);
    return { seconds: (Date.now() - start) / 1000, alerts: [...seen], notifications };
}

interface Delivery {
    seconds: number;
    notifications: Notification[];
}

/** Waits for firing (or resolved) notifications of `alertname` at `receiver` from both its integrations. */
async function delivered(
    p: Pipeline,
    receiver: string,
    alertname: string,
    status: "firing" | "resolved",
    since: number,
    timeoutMs: number,
): Promise<Delivery> {
    const triggerKeys = () =>
        new Set(
            p.webhook.notifications
                .filter((n) => n.integration === "pagerduty" && describeNotification(n).alertname === alertname)
                .map((n) => describeNotification(n).key),
        );
    const matches = (n: Notification) => {
        if (n.receiver !== receiver || n.at < since) return false;
        const d = describeNotification(n);
        if (d.status !== status) return false;
        return n.integration === "pagerduty" && status === "resolved" ? triggerKeys().has(d.key) : d.alertname === alertname;
    };
    const notifications = await poll(`${p.name}: ${alertname} ${status} at ${receiver}`, timeoutMs, () => {
        const found = p.webhook.notifications.filter(matches);
        return ["pagerduty", "slack"].every((i) => found.some((n) => n.integration === i)) ? found : undefined;
    });
    return { seconds: (Math.max(...notifications.map((n) => n.at)) - since) / 1000, notifications };
}

/** One measurement of every analysis metric, by name. */
async function analysis(p: Pipeline, metrics: AnalysisMetric[]): Promise<Record<string, Measurement>> {
    return Object.fromEntries(await Promise.all(metrics.map(async (m) => [m.name, await measure(p.prometheus.url, m)] as const)));
}

interface Analysis {
    seconds: number;
    measurements: Record<string, Measurement>;
}

/** Measures every metric each second until `metric` fails (or the time is up). */
async function analysisUntilFailed(p: Pipeline, metrics: AnalysisMetric[], metric: string, since: number): Promise<Analysis> {
    const measurements = await poll(`${p.name}: canary analysis metric ${metric} Failed`, 90_000, async () => {
        const m = await analysis(p, metrics);
        return m[metric]?.phase === "Failed" ? m : undefined;
    });
    return { seconds: (Date.now() - since) / 1000, measurements };
}

const phases = (a: Record<string, Measurement>) => Object.fromEntries(Object.entries(a).map(([k, m]) => [k, m.phase]));

/** Settles a promise now (so a failure is not an unhandled rejection) and lets a test await it later. */
function later<T>(promise: Promise<T>): () => Promise<T> {
    promise.catch(() => undefined);
    return () => promise;
}

function report(scenario: string, seconds: number): void {
    process.stdout.write(`      [e2e] ${scenario}: ${seconds.toFixed(1)} s\n`);
}

describe(`alert path end to end (${stack}'s rules and routing, real Prometheus and Alertmanager)`, function () {
    this.timeout(8 * 60_000);
    let planned: Plan;
    let rendered: Record<string, unknown>;
    let runbook: (alert: string) => string;
    let errors: Pipeline;
    let down: Pipeline;
    let heartbeatReceiver: string;
    const results: Record<string, () => Promise<any>> = {};
    const suiteStart = Date.now();

    before(async () => {
        planned = await plan(stack);
        const config = parsePlatformConfig(planned.config, planned.stack);
        rendered = parse(alertmanagerArtifact(config.monitoring)) as Record<string, unknown>;
        runbook = (alert) => runbookUrl(config.monitoring, alert);
        heartbeatReceiver = routedReceiver(rendered, { alertname: "Watchdog", severity: "none" });
        const canary = renderedAnalysisMetrics(planned, { "canary-hash": canaryHash });
        [errors, down] = await Promise.all([startPipeline("errors", planned, rendered), startPipeline("down", planned, rendered)]);

        const healthyWindows = [healthyWindow(errors), healthyWindow(down)] as const;
        const errorScenario = (async () => {
            const healthy = await healthyWindows[0];
            const tc = Date.now();
            const canaryHealthy: Analysis = { measurements: await analysis(errors, canary), seconds: 0 };
            canaryHealthy.seconds = (Date.now() - tc) / 1000;
            const t0 = Date.now();
            await errors.standIn.setFaults({ errorRatio: 0.05 });
            // The analysis fails long before the alert's `for` is over: measured while the alert is awaited.
            const canaryErrors = later(analysisUntilFailed(errors, canary, "error-rate", t0));
            const firing = await delivered(errors, receiverFor.critical, "DetectorErrorBudgetBurn", "firing", t0, 4 * 60_000);
            await canaryErrors().catch(() => undefined);
            const t1 = Date.now();
            await errors.standIn.setFaults({ errorRatio: 0 });
            errors.traffic.setRate(recoveryRps);
            const resolved = await delivered(errors, receiverFor.critical, "DetectorErrorBudgetBurn", "resolved", t1, 4 * 60_000);
            return { healthy, firing, resolved, canaryHealthy, canaryErrors: await canaryErrors() };
        })();
        const downScenario = (async () => {
            const healthy = await healthyWindows[1];
            const tl = Date.now();
            await down.standIn.setFaults({ latencyMs: 2500 });
            const canaryLatency = await analysisUntilFailed(down, canary, "latency-p95", tl).finally(() =>
                down.standIn.setFaults({ latencyMs: 0 }),
            );
            const t0 = Date.now();
            const exitCode = await down.standIn.stop();
            const firing = await delivered(down, receiverFor.critical, "DetectorDown", "firing", t0, 4 * 60_000);
            const t1 = Date.now();
            down.standIn = await startStandIn({ ports: down.standIn.ports, env: { INFERENCE_MS: "5" } });
            const resolved = await delivered(down, receiverFor.critical, "DetectorDown", "resolved", t1, 4 * 60_000);
            return { healthy, exitCode, firing, resolved, canaryLatency };
        })();
        results.errors = later(errorScenario);
        results.down = later(downScenario);
        results.healthy = later(Promise.all(healthyWindows));
    });

    after(async () => {
        await Promise.all([errors?.stop(), down?.stop()]);
        report("whole suite", (Date.now() - suiteStart) / 1000);
    });

    it("healthy: no alert pending or firing, and nothing at the webhook but the heartbeat", async () => {
        const windows: Healthy[] = await results.healthy!();
        for (const w of windows) {
            assert.deepEqual(w.alerts, [], "alerts pending or firing while healthy");
            assert.deepEqual(w.notifications, [], "notifications while healthy");
        }
        report("healthy (targets up + 10 evaluations)", Math.max(...windows.map((w) => w.seconds)));
    });

    it("injected 5 % errors: DetectorErrorBudgetBurn (critical) reaches pager-critical with its summary and runbook link", async () => {
        const { firing } = (await results.errors!()) as { firing: Delivery };
        const slack = firing.notifications.find((n) => n.integration === "slack")!;
        const text: string = slack.body.attachments[0].text;
        assert.match(slack.body.attachments[0].title, /^\[FIRING\] SEV-1 DetectorErrorBudgetBurn \(detector\)$/);
        assert.match(text, /Detector errors burns the 99\.9 % SLO budget 14\.4x too fast/);
        assert.ok(text.includes(`Runbook: ${runbook("DetectorErrorBudgetBurn")}`), text);
        assert.ok(existsSync(path.join(repoRoot, "docs/runbooks/DetectorErrorBudgetBurn.md")));
        const pagerduty = firing.notifications.find((n) => n.integration === "pagerduty")!;
        assert.equal(pagerduty.body.event_action, "trigger");
        assert.equal(pagerduty.body.payload.severity, "critical");
        assert.match(
            pagerduty.body.payload.summary,
            /^DetectorErrorBudgetBurn: Detector errors burns the 99\.9 % SLO budget 14\.4x too fast$/,
        );
        const others = errors.webhook.notifications.filter(
            (n) => !["DetectorErrorBudgetBurn", "Watchdog", undefined].includes(describeNotification(n).alertname),
        );
        assert.deepEqual(
            others.map((n) => `${n.receiver}/${describeNotification(n).alertname}`),
            [],
        );
        report("5 % errors → DetectorErrorBudgetBurn at pager-critical", firing.seconds);
    });

    it("canary analysis, healthy: every metric of the rendered AnalysisTemplates is Successful", async () => {
        const { canaryHealthy } = (await results.errors!()) as { canaryHealthy: Analysis };
        const all = phases(canaryHealthy.measurements);
        assert.deepEqual(Object.keys(all).sort(), ["error-rate", "latency-p95", "restarts", "success-rate"]);
        assert.ok(
            Object.values(all).every((p) => p === "Successful"),
            JSON.stringify(canaryHealthy.measurements),
        );
        // Real traffic was measured, not the NaN a window without requests gives (which the conditions let pass).
        assert.ok(
            !Number.isNaN((canaryHealthy.measurements["error-rate"]!.value as number[])[0]),
            JSON.stringify(canaryHealthy.measurements),
        );
        report("canary analysis healthy → every metric Successful", canaryHealthy.seconds);
    });

    it("canary analysis, 5 % errors: error-rate and success-rate Failed, latency-p95 still Successful", async () => {
        const { canaryErrors } = (await results.errors!()) as { canaryErrors: Analysis };
        assert.deepEqual(
            phases(canaryErrors.measurements),
            { "error-rate": "Failed", "success-rate": "Failed", "latency-p95": "Successful", restarts: "Successful" },
            JSON.stringify(canaryErrors.measurements),
        );
        report("5 % errors → canary error-rate, success-rate Failed", canaryErrors.seconds);
    });

    it("canary analysis, 2.5 s added latency: latency-p95 Failed, error-rate and success-rate still Successful", async () => {
        const { canaryLatency } = (await results.down!()) as { canaryLatency: Analysis };
        assert.deepEqual(
            phases(canaryLatency.measurements),
            { "error-rate": "Successful", "success-rate": "Successful", "latency-p95": "Failed", restarts: "Successful" },
            JSON.stringify(canaryLatency.measurements),
        );
        report("2.5 s latency → canary latency-p95 Failed", canaryLatency.seconds);
    });

    it("stand-in stopped (SIGTERM, exit 0): DetectorDown reaches pager-critical, and nothing else", async () => {
        const { firing, exitCode } = (await results.down!()) as { firing: Delivery; exitCode: number };
        assert.equal(exitCode, 0);
        const slack = firing.notifications.find((n) => n.integration === "slack")!;
        assert.match(slack.body.attachments[0].title, /^\[FIRING\] SEV-1 DetectorDown \(detector\)$/);
        assert.ok(slack.body.attachments[0].text.includes(`Runbook: ${runbook("DetectorDown")}`));
        const others = down.webhook.notifications.filter(
            (n) => !["DetectorDown", "Watchdog", undefined].includes(describeNotification(n).alertname),
        );
        assert.deepEqual(
            others.map((n) => `${n.receiver}/${describeNotification(n).alertname}`),
            [],
        );
        report("stopped → DetectorDown at pager-critical", firing.seconds);
    });

    it("errors cleared: DetectorErrorBudgetBurn resolved at pager-critical", async () => {
        const { resolved } = (await results.errors!()) as { resolved: Delivery };
        const slack = resolved.notifications.find((n) => n.integration === "slack")!;
        assert.match(slack.body.attachments[0].title, /^\[RESOLVED\] SEV-1 DetectorErrorBudgetBurn \(detector\)$/);
        report("errors cleared → resolved", resolved.seconds);
    });

    it("stand-in restarted: DetectorDown resolved at pager-critical", async () => {
        const { resolved } = (await results.down!()) as { resolved: Delivery };
        const slack = resolved.notifications.find((n) => n.integration === "slack")!;
        assert.match(slack.body.attachments[0].title, /^\[RESOLVED\] SEV-1 DetectorDown \(detector\)$/);
        report("restarted → resolved", resolved.seconds);
    });

    it("the Watchdog heartbeat goes where the rendered routing sends it, and only there", async () => {
        await results.errors!().catch(() => undefined);
        await results.down!().catch(() => undefined);
        for (const p of [errors, down]) {
            const watchdog = p.webhook.notifications.filter((n) => describeNotification(n).alertname === "Watchdog");
            if (heartbeatReceiver === "null") assert.deepEqual(watchdog, [], "Watchdog is routed to null but reached a receiver");
            else {
                assert.ok(watchdog.length > 0, `no Watchdog heartbeat at ${heartbeatReceiver}`);
                assert.ok(
                    watchdog.every((n) => n.receiver === heartbeatReceiver),
                    JSON.stringify(watchdog.map((n) => n.receiver)),
                );
            }
        }
    });
});
