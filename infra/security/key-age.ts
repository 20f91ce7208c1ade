// The manual's "rotate API keys" in the running platform. An edge API key's issue date lives in the
// stack config (its name's month, or security.keyIssued), not in the cluster: the keys Secret is
// rewritten whenever any key changes, so its timestamps date no single key. Each key's rotation due
// date is therefore a recording rule generated from the config, and one SEV-4 alert compares it
// with the clock, so the alert fires on the day a key turns `keyRotationDays` old, with nothing to scrape.
import type { EdgeSettings } from "../edge/config";
import { clientCredentials } from "../edge/gateway";
import type { AlertDefinition, Runbook } from "../observability/alerts";
import { gauge } from "../observability/series";
import { keyIssuedAt, type SecurityConfig } from "./config";

/** One series per live key: when it is due for rotation, in seconds since the epoch. */
export const keyRotationDueSeries = "edge:client_key_rotation_due:timestamp_seconds";

export interface KeyAge {
    client: string;
    key: string;
    id: string;
    /** Unset when neither the key's name nor security.keyIssued dates it. */
    issued?: Date;
    /** Days old at `now` (unset when the issue date is unknown). */
    ageDays?: number;
    /** Past the rotation period, or of unknown age (treated as due). */
    due: boolean;
    rotationDueAt: Date;
}

const day = 86400_000;

/** Every live edge key with its age at `now`. A key of unknown age is due (its due date is the epoch). */
export function keyAges(
    clients: EdgeSettings["clients"],
    security: Pick<SecurityConfig, "keyIssued" | "keyRotationDays">,
    now: Date,
): KeyAge[] {
    return clientCredentials(clients).map(({ client, key, id }) => {
        const issued = keyIssuedAt(id, security.keyIssued);
        const rotationDueAt = issued ? new Date(issued.getTime() + security.keyRotationDays * day) : new Date(0);
        return {
            client,
            key,
            id,
            ...(issued ? { issued, ageDays: Math.floor((now.getTime() - issued.getTime()) / day) } : {}),
            due: now.getTime() >= rotationDueAt.getTime(),
            rotationDueAt,
        };
    });
}

/** The recording rules: `vector(<due>)` labelled with the key, one per live key. */
export function keyRotationRules(clients: EdgeSettings["clients"], security: Pick<SecurityConfig, "keyIssued" | "keyRotationDays">) {
    return keyAges(clients, security, new Date(0)).map((k) => ({
        record: keyRotationDueSeries,
        expr: `vector(${Math.floor(k.rotationDueAt.getTime() / 1000)})`,
        labels: { client: k.client, key: k.key },
    }));
}

const runbook: Runbook = {
    meaning:
        "An edge API client key ({{ $labels.client }}.{{ $labels.key }}) has reached the rotation period (security.keyRotationDays, 90 days by default), or its issue date is unknown: the manual's monthly security audit asks for API keys to be rotated.",
    firstCommands: [
        "npm run access-review -- production",
        "pulumi config get edge --path -s production",
        "kubectl -n edge get secret edge-client-keys -o jsonpath='{.data}' | jq 'keys'",
    ],
    mitigation: [
        "Add the next key name to the client's edge.clients.<client>.keys (two keys during a rotation, e.g. [k2026-11, k2027-02]), `pulumi up`, and hand the client its new key (`pulumi stack output edgeClientKeys --show-secrets`).",
        'When the client\'s access log shows only the new key (Grafana Explore, Loki: {log_class="access"} | json | client="<client>.<old key>"), remove the old key name and `pulumi up`: that revokes it.',
        "A key named without its month (k1): record its issue date in security.keyIssued, or rotate it to a dated name.",
    ],
    escalation:
        "SEV-4: next business day. Raise it in the monthly security audit; escalate to SEV-2 and inform security if the key may have leaked (see EdgeRejectedRequestsSpike and the access log).",
};

export function securityAlerts(): AlertDefinition[] {
    const labels = { client: "radiology-pacs", key: "k2026-11" };
    return [
        {
            name: "EdgeClientKeyRotationDue",
            severity: "low",
            service: "edge",
            expr: `time() >= ${keyRotationDueSeries}`,
            for: "1h",
            summary: "Edge API key {{ $labels.client }}.{{ $labels.key }} is due for rotation",
            description:
                "The key {{ $labels.client }}.{{ $labels.key }} has been in use for the rotation period (or its issue date is unknown): rotate it.",
            runbook,
            tests: [
                // Evaluated from the epoch: a key due at 1h is overdue by 3h; one due in a day is not.
                {
                    title: "due 2 hours ago",
                    interval: "10m",
                    series: [gauge(keyRotationDueSeries, labels, [{ steps: 19, value: 3600 }])],
                    at: "3h",
                    firing: ["low"],
                    labels,
                },
                {
                    title: "due tomorrow",
                    interval: "10m",
                    series: [gauge(keyRotationDueSeries, labels, [{ steps: 19, value: 86400 }])],
                    at: "3h",
                    firing: [],
                    labels: {},
                },
            ],
        },
    ];
}
