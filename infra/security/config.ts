// Security operations settings (the manual's Security Operations and Security Incident Escalation):
// the AWS finding services, where their findings go, the evidence bucket's retention and who may
// use it, the forensics namespace, and the API-key rotation period. infra/config.ts composes this
// section under `security`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { bool, int } from "../platform/schema";

const roleArn = z
    .string()
    .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN such as arn:aws:iam::111122223333:role/incident-responder");
const namespaceName = z.string().regex(/^[a-z0-9-]{1,63}$/, "a namespace name (DNS label)");
const isoDate = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "a date such as 2026-11-03")
    .refine((d) => {
        const date = new Date(`${d}T00:00:00Z`);
        return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(d);
    }, "a real calendar date");

export const securityConfigSchema = z
    .object({
        /** GuardDuty (with EKS audit logs), Security Hub (FSBP), the CloudTrail trail and the finding rules: on in AWS environments. */
        findings: bool,
        evidence: z
            .object({
                /** Days each evidence object is locked (Object Lock COMPLIANCE: nobody, not even the root user, shortens it). Set by the security team. */
                retentionDays: int(1, 36500),
                /** Roles that run `npm run incident -- preserve`: may write evidence, never delete or overwrite it. */
                responders: z.array(roleArn, { error: "a list of IAM role ARNs" }),
                /** Roles that may read evidence (security team, auditors). */
                auditors: z.array(roleArn, { error: "a list of IAM role ARNs" }),
            })
            .strict(),
        /** Days CloudTrail log files are kept in the trail's bucket before they expire. */
        trailRetentionDays: int(90, 3650),
        /** Kubernetes groups (mapped from the responders' IAM roles by EKS access entries) bound to the incident-responder ClusterRole. */
        responderGroups: z.array(z.string().min(1), { error: "a list of Kubernetes group names" }),
        /** The only namespace a quarantined pod may be reached from (forensic tooling runs there). */
        forensicsNamespace: namespaceName,
        /** Days after which an edge API client key is due for rotation (the manual's "rotate API keys"). */
        keyRotationDays: int(1, 3650),
        /**
         * When each edge API key (`<client>.<key>`) was issued, for keys whose name does not carry its
         * month (`k2026-11`): the access review and the key-age alert read the age from here.
         */
        keyIssued: z.record(z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, "a client id <client>.<key>"), isoDate, {
            error: "a map of <client>.<key> to a date",
        }),
    })
    .strict();
export type SecurityConfig = z.infer<typeof securityConfigSchema>;

/** The manual's "rotate API keys": 90 days unless the stack says otherwise. */
export const defaultKeyRotationDays = 90;

export function securityDefaults(env: Environment): SecurityConfig {
    const production = env === "production";
    return {
        findings: env !== "local",
        evidence: { retentionDays: production ? 365 : 30, responders: [], auditors: [] },
        trailRetentionDays: production ? 400 : 90,
        responderGroups: [],
        forensicsNamespace: "forensics",
        keyRotationDays: defaultKeyRotationDays,
        keyIssued: {},
    };
}

/**
 * When an edge key was issued: the stack's `keyIssued` entry, else the month its name carries
 * (`k2026-11` or `k2026-11-03`, the convention infra/edge/config.ts documents), else unknown.
 */
export function keyIssuedAt(id: string, keyIssued: Record<string, string>): Date | undefined {
    const stated = keyIssued[id];
    if (stated) return new Date(`${stated}T00:00:00Z`);
    const match = /\.k(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(id);
    if (!match) return undefined;
    const [, year, month, day] = match;
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day ?? 1)));
    return date.getUTCMonth() === Number(month) - 1 ? date : undefined;
}
