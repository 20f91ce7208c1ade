// Log pipeline settings: where logs are collected, how long each class of log is kept, what the
// agent redacts, and how Loki is sized. infra/config.ts composes this section under `logging`.
import { RE2JS } from "re2js";
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { int, oneOf, storageQuantity } from "../platform/schema";
import { envoyProxyPodLabels } from "../edge/gateway";

/** The retention classes; each stream belongs to exactly one (the agent's `log_class` label). */
export const logClasses = ["application", "events", "access", "backup"] as const;
export type LogClass = (typeof logClasses)[number];

const appName = z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/, "an app.kubernetes.io/name value such as detector");

/**
 * A secret pattern, in RE2 syntax (the agent is written in Go): every capture group is replaced
 * by the redaction marker (Alloy's stage.replace), so the pattern captures the secret only.
 */
const secretPattern = z
    .object({
        name: z.string().regex(/^[a-z][a-z0-9-]*$/, "a short name such as connection-string-password"),
        regex: z.string().superRefine((source, ctx) => {
            try {
                if (RE2JS.compile(source).groupCount() < 1)
                    ctx.addIssue({ code: "custom", message: "an RE2 pattern with a capture group around the secret" });
            } catch (error) {
                ctx.addIssue({ code: "custom", message: `an RE2 pattern (${(error as Error).message.split("\n")[0]})` });
            }
        }),
    })
    .strict();

export const loggingConfigSchema = z
    .object({
        /** monolithic: one Loki binary (local, staging); distributed: Loki's microservices (production). */
        mode: oneOf(["monolithic", "distributed"]),
        /** Days each class of log is kept; Loki's compactor deletes older chunks per stream. */
        retentionDays: z.object({ application: int(1), events: int(1), access: int(1), backup: int(1) }).strict(),
        /** Days the bucket's lifecycle keeps objects: a floor under the compactor, never shorter than the longest class. */
        bucketExpirationDays: int(1),
        /** Apps whose logs are access and authentication logs (the front door). */
        accessApps: z.array(appName),
        /** Apps whose logs are backup job output. */
        backupApps: z.array(appName).min(1),
        /** Secret patterns the agent redacts before a line leaves the node. */
        secretPatterns: z.array(secretPattern).min(1),
        /** Loki's per-tenant ingestion limit, MB/s, and burst, MB. */
        ingestionRateMb: int(1),
        ingestionBurstMb: int(1),
        /** Monolithic Loki's volume (WAL, index cache, compactor workspace). */
        storageSize: storageQuantity,
    })
    .strict()
    .superRefine((c, ctx) => {
        const longest = Math.max(...Object.values(c.retentionDays));
        if (c.bucketExpirationDays < longest) {
            ctx.addIssue({
                code: "custom",
                path: ["bucketExpirationDays"],
                message: `an integer >= the longest retention class (${longest} days)`,
            });
        }
        const shared = c.accessApps.find((app) => c.backupApps.includes(app));
        if (shared) ctx.addIssue({ code: "custom", path: ["accessApps"], message: `apps not also in backupApps (${shared})` });
        const names = c.secretPatterns.map((p) => p.name);
        if (new Set(names).size !== names.length)
            ctx.addIssue({ code: "custom", path: ["secretPatterns"], message: "each pattern name once" });
    });
export type LoggingConfig = z.infer<typeof loggingConfigSchema>;

/**
 * Connection strings and credentials the platform's components are known to print. Each captures
 * the secret itself, so the rest of the line (host, user, key name) stays searchable.
 */
export const defaultSecretPatterns: LoggingConfig["secretPatterns"] = [
    // scheme://user:password@host, for postgresql://, s3://, http(s):// and any other URL.
    { name: "url-password", regex: String.raw`[a-zA-Z][a-zA-Z0-9+.-]*://[^:@/\s"']+:([^@\s"']+)@` },
    // password=..., PGPASSWORD=..., "password": "...", secret_key: ..., api-key=..., token=...
    {
        name: "key-value-secret",
        regex: String.raw`(?i)(?:password|passwd|pgpassword|secret|secret[_-]?key|api[_-]?key|access[_-]?key|token)"?\s*[=:]\s*"?([^\s",&]+)`,
    },
    // HTTP Authorization headers: Bearer and Basic credentials.
    { name: "authorization-header", regex: String.raw`(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/=-]{8,})` },
    // AWS access key ids.
    { name: "aws-access-key-id", regex: String.raw`\b((?:AKIA|ASIA)[A-Z0-9]{16})\b` },
];

export function loggingDefaults(env: Environment): LoggingConfig {
    const production = env === "production";
    return {
        mode: production ? "distributed" : "monolithic",
        retentionDays: { application: env === "staging" ? 7 : 30, events: env === "staging" ? 7 : 30, access: 365, backup: 90 },
        bucketExpirationDays: 366,
        // The front door's access log is what its Envoy proxies print: their app label, as Envoy
        // Gateway sets it on every proxy pod (see infra/edge/gateway.ts, envoyProxyPodLabels).
        accessApps: [envoyProxyPodLabels["app.kubernetes.io/name"]],
        backupApps: ["backup"],
        secretPatterns: defaultSecretPatterns,
        ingestionRateMb: production ? 16 : 4,
        ingestionBurstMb: production ? 32 : 8,
        storageSize: env === "local" ? "5Gi" : "20Gi",
    };
}
