// The manual's monthly "test alert delivery", on demand: a labelled synthetic alert posted to a
// stack's Alertmanager through its API v2, then read back to see which receiver its routing tree
// gave it. It ends by itself shortly after its severity's group_wait: one notification, then a
// resolved one where the receiver sends those.
// API: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
//   POST /api/v2/alerts      [postableAlert]: labels, annotations, startsAt, endsAt
//   GET  /api/v2/alerts?filter=<matcher>   [gettableAlert]: ... receivers: [{name}], status: {state}
import { randomUUID } from "node:crypto";
import { timings } from "../../infra/monitoring/alertmanager";
import { receiverFor } from "../../infra/observability/runbook";
import { durationSeconds } from "../../infra/observability/alerts";
import type { Severity } from "../../infra/observability/objectives";
import { CheckFailedError } from "../cli/command";

export const testAlertName = "AlertDeliveryTest";

interface GettableAlert {
    labels: Record<string, string>;
    receivers: Array<{ name: string }>;
    status: { state: string };
}

export interface AlertTestOptions {
    alertmanagerUrl: string;
    stack: string;
    severity: Severity;
    /** How long to wait for the alert to show up routed. */
    timeoutSeconds: number;
    log: (line: string) => void;
    now?: () => Date;
}

export interface AlertTestResult {
    testId: string;
    receivers: string[];
    expected: string;
}

async function call(url: string, init?: RequestInit): Promise<Response> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status} ${(await response.text()).split("\n")[0]}`);
        return response;
    } catch (e) {
        throw new CheckFailedError(`Alertmanager ${url}: ${(e as Error).message}`);
    }
}

export async function sendTestAlert(options: AlertTestOptions): Promise<AlertTestResult> {
    const base = options.alertmanagerUrl.replace(/\/+$/, "");
    const now = options.now ?? (() => new Date());
    const testId = randomUUID();
    const labels = { alertname: testAlertName, severity: options.severity, service: "alert-test", stack: options.stack, test_id: testId };
    const alert = (endsAt: Date) => ({
        labels,
        annotations: {
            summary: `Alert delivery test (${options.severity}) from npm run alert-test: no action needed`,
            description: "A synthetic alert checking that Alertmanager reaches this severity's receiver. It resolves by itself.",
        },
        startsAt: now().toISOString(),
        endsAt: endsAt.toISOString(),
    });
    const post = (endsAt: Date) => call(`${base}/api/v2/alerts`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify([alert(endsAt)]) });

    // Firing until its group has been notified once (group_wait), then resolved by Alertmanager.
    await post(new Date(now().getTime() + (durationSeconds(timings[options.severity].group_wait) + 120) * 1000));
    options.log(`posted ${testAlertName} severity=${options.severity} test_id=${testId} to ${base}`);
    const expected = receiverFor[options.severity];
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let receivers: string[] = [];
    while (receivers.length === 0) {
        const query = new URLSearchParams([["filter", `test_id="${testId}"`]]);
        const alerts = (await (await call(`${base}/api/v2/alerts?${query}`)).json()) as GettableAlert[];
        receivers = alerts.flatMap((a) => a.receivers.map((r) => r.name));
        if (receivers.length > 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
    }
    return { testId, receivers, expected };
}
