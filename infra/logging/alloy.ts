// The log agent's pipeline, as Grafana Alloy configuration. It is built as a tree of blocks and
// rendered to Alloy syntax, so tests can check every component, block and argument against Alloy's
// reference (tests/infra/logging/fixtures/alloy-components.json, from Alloy v1.18.1's docs) and run
// the redaction patterns with Go's regex semantics (RE2).
import type { LoggingConfig } from "./config";

/** An Alloy expression written as is (a component export, a function call), not a string. */
export interface Expression {
    expr: string;
}
export type AlloyValue = string | number | boolean | Expression | AlloyValue[] | { [key: string]: AlloyValue };

export interface AlloyBlock {
    /** Component or block name, e.g. loki.process or stage.replace. */
    name: string;
    /** Component label; nested blocks have none. */
    label?: string;
    attributes?: Record<string, AlloyValue>;
    blocks?: AlloyBlock[];
}

const expression = (expr: string): Expression => ({ expr });

/** What replaces each captured secret. */
export const redactionMarker = "[REDACTED]";
/** Where the kubelet writes every container's stdout/stderr, mounted read-only into the agent. */
export const podLogsPath = "/var/log/pods";
/**
 * Labels the agent attaches; nothing taken from a line's content becomes a label except `level`.
 * `stream` (stdout or stderr) is set by stage.cri (Alloy stages/cri.go), `job` by the events source.
 */
export const streamLabels = ["namespace", "app", "pod", "container", "log_class", "stack", "level", "stream", "job"] as const;
/**
 * JSON fields kept as structured metadata: searchable without becoming stream labels. `caller` is
 * where an app logged from; `client` and `client_ip` are the front door's caller and its address,
 * as Envoy's access log names them (infra/edge/gateway.ts, accessLogFormat).
 */
export const metadataFields = ["caller", "status", "client", "client_ip"] as const;

export interface AgentArgs {
    config: LoggingConfig;
    stack: string;
    /** Namespaces whose containers and events are collected. */
    namespaces: string[];
    /** Loki's push endpoint. */
    pushUrl: string;
}

/** One stage.replace per secret pattern: each capture group (the secret) becomes the marker. */
export function redactionStages(config: LoggingConfig): AlloyBlock[] {
    return config.secretPatterns.map((p) => ({ name: "stage.replace", attributes: { expression: p.regex, replace: redactionMarker } }));
}

const relabel = (source: string, target: string): AlloyBlock => ({
    name: "rule",
    attributes: { source_labels: [source], target_label: target, action: "replace" },
});
const appLabel = "__meta_kubernetes_pod_label_app_kubernetes_io_name";

/** The retention class of a pod's streams from its app label: application unless listed. */
function classRules(config: LoggingConfig): AlloyBlock[] {
    const byApps = (apps: string[], logClass: string): AlloyBlock[] =>
        apps.length === 0
            ? []
            : [
                  {
                      name: "rule",
                      attributes: {
                          source_labels: [appLabel],
                          regex: `(${apps.map(escapeRegex).join("|")})`,
                          target_label: "log_class",
                          replacement: logClass,
                          action: "replace",
                      },
                  },
              ];
    return [
        { name: "rule", attributes: { target_label: "log_class", replacement: "application", action: "replace" } },
        ...byApps(config.backupApps, "backup"),
        ...byApps(config.accessApps, "access"),
    ];
}

function escapeRegex(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function agentPipeline(args: AgentArgs): AlloyBlock[] {
    const { config } = args;
    return [
        {
            name: "discovery.kubernetes",
            label: "pods",
            attributes: { role: "pod" },
            blocks: [
                { name: "namespaces", attributes: { names: args.namespaces } },
                // Only this node's pods: every agent of the DaemonSet reads its own node's files.
                { name: "selectors", attributes: { role: "pod", field: expression('"spec.nodeName=" + sys.env("HOSTNAME")') } },
            ],
        },
        {
            name: "discovery.relabel",
            label: "pods",
            attributes: { targets: expression("discovery.kubernetes.pods.targets") },
            blocks: [
                relabel("__meta_kubernetes_namespace", "namespace"),
                relabel(appLabel, "app"),
                relabel("__meta_kubernetes_pod_name", "pod"),
                relabel("__meta_kubernetes_pod_container_name", "container"),
                ...classRules(config),
                {
                    // The kubelet's layout: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log
                    name: "rule",
                    attributes: {
                        source_labels: ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"],
                        separator: "/",
                        target_label: "__path__",
                        replacement: `${podLogsPath}/*$1/*.log`,
                        action: "replace",
                    },
                },
            ],
        },
        { name: "local.file_match", label: "pods", attributes: { path_targets: expression("discovery.relabel.pods.output") } },
        {
            name: "loki.source.file",
            label: "pods",
            attributes: { targets: expression("local.file_match.pods.targets"), forward_to: [expression("loki.process.pods.receiver")] },
        },
        {
            name: "loki.process",
            label: "pods",
            attributes: { forward_to: [expression("loki.write.loki.receiver")] },
            blocks: [
                // The container runtime's line format: timestamp, stream, partial flag, content.
                { name: "stage.cri" },
                // Secrets go before anything is parsed out of the line, so no field can carry one.
                ...redactionStages(config),
                { name: "stage.json", attributes: { expressions: Object.fromEntries(["level", ...metadataFields].map((f) => [f, f])) } },
                { name: "stage.labels", attributes: { values: { level: "" } } },
                { name: "stage.structured_metadata", attributes: { values: Object.fromEntries(metadataFields.map((f) => [f, ""])) } },
            ],
        },
        {
            name: "loki.source.kubernetes_events",
            label: "events",
            attributes: {
                namespaces: args.namespaces,
                job_name: "kubernetes-events",
                forward_to: [expression("loki.process.events.receiver")],
            },
            // One agent per namespace watches events, not every node's agent (duplicates otherwise).
            blocks: [{ name: "clustering", attributes: { enabled: true } }],
        },
        {
            name: "loki.process",
            label: "events",
            attributes: { forward_to: [expression("loki.write.loki.receiver")] },
            blocks: [...redactionStages(config), { name: "stage.static_labels", attributes: { values: { log_class: "events" } } }],
        },
        {
            name: "loki.write",
            label: "loki",
            attributes: { external_labels: { stack: args.stack } },
            blocks: [{ name: "endpoint", attributes: { url: args.pushUrl } }],
        },
    ];
}

/** A string literal in Alloy syntax (Go's escapes: backslash, quote, control characters). */
export function alloyString(text: string): string {
    return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

function renderValue(value: AlloyValue, indent: string): string {
    if (typeof value === "string") return alloyString(value);
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (Array.isArray(value)) return `[${value.map((v) => renderValue(v, indent)).join(", ")}]`;
    if ("expr" in value && typeof value.expr === "string") return value.expr;
    const entries = Object.entries(value as Record<string, AlloyValue>);
    if (entries.length === 0) return "{}";
    const inner = `${indent}    `;
    return `{\n${entries.map(([k, v]) => `${inner}${alloyString(k)} = ${renderValue(v, inner)},`).join("\n")}\n${indent}}`;
}

function renderBlock(block: AlloyBlock, indent: string): string {
    const header = `${indent}${block.name}${block.label ? ` ${alloyString(block.label)}` : ""} {`;
    const inner = `${indent}    `;
    const attributes = Object.entries(block.attributes ?? {}).map(([k, v]) => `${inner}${k} = ${renderValue(v, inner)}`);
    const blocks = (block.blocks ?? []).map((b) => renderBlock(b, inner));
    const body = [...attributes, ...blocks];
    return body.length === 0 ? `${header}}` : [header, ...body, `${indent}}`].join("\n");
}

export function renderAlloy(blocks: AlloyBlock[]): string {
    return `${blocks.map((b) => renderBlock(b, "")).join("\n\n")}\n`;
}

export function agentConfig(args: AgentArgs): string {
    return renderAlloy(agentPipeline(args));
}
