// The manual's monthly "test alert delivery", on demand: a labelled synthetic alert posted to a
// stack's Alertmanager through its API v2, then read back to see which receiver its routing tree
// gave it. It ends by itself shortly after its severity's group_wait: one notification, then a
// resolved one where the receiver sends those.
// API: https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
//   POST /api/v2/alerts      [postableAlert]: labels, annotations, startsAt, endsAt
//   GET  /api/v2/alerts?filter=<matcher>   [gettableAlert]: ... receivers: [{name}], fingerprint,
//        status: {state: unprocessed|active|suppressed, silencedBy: [silence id], inhibitedBy: [fingerprint]}
//   GET  /api/v2/silence/{silenceID}   [gettableSilence]: matchers, createdBy, comment, endsAt
// A suppressed alert is routed but never sent: the test fails and names the silence or the inhibiting alert.
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
    fingerprint: string;
    endsAt: string;
    status: { state: "unprocessed" | "active" | "suppressed"; silencedBy: string[]; inhibitedBy: string[] };
}

interface GettableSilence {
    id: string;
    matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
    createdBy: string;
    comment: string;
    endsAt: string;
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
    /** What keeps the alert from being sent (silences, inhibiting alerts); empty when it will be sent. */
    suppressedBy: string[];
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
    const post = (endsAt: Date) =>
        call(`${base}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([alert(endsAt)]),
        });

    // Firing until its group has been notified once (group_wait), then resolved by Alertmanager.
    await post(new Date(now().getTime() + (durationSeconds(timings[options.severity].group_wait) + 120) * 1000));
    options.log(`posted ${testAlertName} severity=${options.severity} test_id=${testId} to ${base}`);
    const expected = receiverFor[options.severity];
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let found: GettableAlert | undefined;
    for (;;) {
        const query = new URLSearchParams([["filter", `test_id="${testId}"`]]);
        found = ((await (await call(`${base}/api/v2/alerts?${query}`)).json()) as GettableAlert[])[0];
        // Routed, and past "unprocessed": silences and inhibitions have been applied to it.
        if ((found && found.receivers.length > 0 && found.status.state !== "unprocessed") || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
    }
    if (found?.status.state === "unprocessed") found = undefined;
    const receivers = found?.receivers.map((r) => r.name) ?? [];
    const suppressedBy = found?.status.state === "suppressed" ? await suppressors(base, found) : [];
    return { testId, receivers, expected, suppressedBy };
}

function matcherText(m: GettableSilence["matchers"][number]): string {
    return `${m.name}${m.isEqual === false ? "!" : ""}${m.isRegex ? "~" : "="}"${m.value}"`;
}

/** Each silence and inhibiting alert that suppresses `alert`, described for the operator. */
async function suppressors(base: string, alert: GettableAlert): Promise<string[]> {
    const silences = await Promise.all(
        alert.status.silencedBy.map(async (id) => {
            const s = (await (await call(`${base}/api/v2/silence/${encodeURIComponent(id)}`)).json()) as GettableSilence;
            return `silence ${s.id} {${s.matchers.map(matcherText).join(", ")}} by ${s.createdBy} until ${s.endsAt}${s.comment ? ` ("${s.comment}")` : ""}`;
        }),
    );
    let inhibitors: string[] = [];
    if (alert.status.inhibitedBy.length > 0) {
        const query = new URLSearchParams([
            ["silenced", "true"],
            ["inhibited", "true"],
            ["unprocessed", "true"],
        ]);
        const all = (await (await call(`${base}/api/v2/alerts?${query}`)).json()) as GettableAlert[];
        inhibitors = alert.status.inhibitedBy.map((fp) => {
            const source = all.find((a) => a.fingerprint === fp);
            if (!source) return `alert ${fp} (no longer listed)`;
            const labels = ["alertname", "severity", "service", "test_id"]
                .filter((l) => source.labels[l])
                .map((l) => `${l}="${source.labels[l]}"`);
            return `alert {${labels.join(", ")}} until ${source.endsAt}`;
        });
    }
    return [...silences.map((s) => `silenced by ${s}`), ...inhibitors.map((i) => `inhibited by ${i}`)];
}
