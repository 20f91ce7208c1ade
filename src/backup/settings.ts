// The runner's configuration: environment variables only (the AWS SDK's standard names plus ours).
import { SettingsError } from "./errors";

export interface Settings {
    region: string;
    /** S3-compatible endpoint (MinIO, moto); path-style addressing when set. */
    endpoint?: string;
    bucket: string;
    /** Key prefix inside the bucket, without a trailing slash; "" for the bucket root. */
    prefix: string;
    /** KMS key for SSE-KMS on every upload; unset leaves encryption to the bucket default. */
    kmsKeyId?: string;
    /**
     * Checked here so a mistyped URL fails the run before any work. The push itself (cli.ts) reads
     * the variable directly, so that it also reports runs that failed before settings were read.
     */
    pushgatewayUrl?: string;
}

type Env = Record<string, string | undefined>;

/**
 * Node options the runner runs with (images/backup/Dockerfile sets them as NODE_OPTIONS; a test
 * checks the two agree). The runner streams short-lived chunks; with V8's default young generation
 * (semi-spaces growing to 16 MiB) the restore peaked at 146 MiB, with 2 MiB at 117 MiB (docs/benchmarks.md).
 */
export const runnerNodeOptions = "--max-semi-space-size=2";

function value(env: Env, name: string): string | undefined {
    const v = env[name]?.trim();
    return v ? v : undefined;
}

export function required(env: Env, name: string, purpose: string): string {
    const v = value(env, name);
    if (!v) throw new SettingsError(`${name}: not set (${purpose})`);
    return v;
}

function url(env: Env, name: string): string | undefined {
    const v = value(env, name);
    if (v === undefined) return undefined;
    let parsed: URL;
    try {
        parsed = new URL(v);
    } catch {
        throw new SettingsError(`${name}: expected an http(s) URL, got "${v}"`);
    }
    if (!/^https?:$/.test(parsed.protocol)) throw new SettingsError(`${name}: expected an http(s) URL, got "${v}"`);
    return v.replace(/\/+$/, "");
}

export function readSettings(env: Env = process.env): Settings {
    const bucket = required(env, "BACKUP_BUCKET", "the bucket that holds the backups");
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
        throw new SettingsError(`BACKUP_BUCKET: "${bucket}" is not a valid bucket name`);
    const prefix = (value(env, "BACKUP_PREFIX") ?? "").replace(/^\/+|\/+$/g, "");
    return {
        region: required(env, "AWS_REGION", "the bucket's AWS region"),
        endpoint: url(env, "AWS_ENDPOINT_URL_S3"),
        bucket,
        prefix,
        kmsKeyId: value(env, "BACKUP_KMS_KEY_ID"),
        pushgatewayUrl: url(env, "PUSHGATEWAY_URL"),
    };
}

/** A postgres:// URL from `name`, checked for shape (the server is only contacted later). */
export function databaseUrl(env: Env, name: string, purpose: string): string {
    const v = required(env, name, purpose);
    return checkDatabaseUrl(name, v);
}

export function checkDatabaseUrl(what: string, v: string): string {
    let parsed: URL;
    try {
        parsed = new URL(v);
    } catch {
        throw new SettingsError(`${what}: expected a postgresql:// URL`);
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol) || !parsed.hostname || parsed.pathname.length < 2) {
        throw new SettingsError(`${what}: expected postgresql://user:password@host:port/dbname`);
    }
    return v;
}

/** S3 retrieval tiers (RestoreObject GlacierJobParameters.Tier). */
export const restoreTiers = ["Expedited", "Standard", "Bulk"] as const;
export type RestoreTier = (typeof restoreTiers)[number];

/** How the runner reads a backup the lifecycle moved to an archive storage class (store.ts). */
export interface RestoreSettings {
    tier: RestoreTier;
    /** Days S3 keeps the restored copy. */
    days: number;
    /** How long to wait for a restore before failing with how to finish it; 0 requests it and stops. */
    waitSeconds: number;
    pollSeconds: number;
}

/** Seconds in "0", "90s", "5min" or "6h". */
function durationSeconds(env: Env, name: string, fallback: string): number {
    const v = value(env, name) ?? fallback;
    const m = /^(\d+)(s|min|h)?$/.exec(v);
    if (!m) throw new SettingsError(`${name}: expected a duration such as 30s, 5min or 6h, got "${v}"`);
    return Number(m[1]) * (m[2] === "h" ? 3600 : m[2] === "min" ? 60 : 1);
}

/**
 * RESTORE_TIER (default Standard), RESTORE_DAYS (default 2), RESTORE_WAIT (default 6h: a GLACIER
 * Standard retrieval typically takes 3–5 hours) and RESTORE_POLL_INTERVAL (default 1min).
 */
export function readRestoreSettings(env: Env = process.env): RestoreSettings {
    const tier = value(env, "RESTORE_TIER") ?? "Standard";
    if (!(restoreTiers as readonly string[]).includes(tier))
        throw new SettingsError(`RESTORE_TIER: expected one of ${restoreTiers.join(", ")}, got "${tier}"`);
    const days = Number(value(env, "RESTORE_DAYS") ?? "2");
    if (!Number.isInteger(days) || days < 1 || days > 30)
        throw new SettingsError(`RESTORE_DAYS: expected a whole number of days from 1 to 30, got "${env.RESTORE_DAYS}"`);
    const pollSeconds = durationSeconds(env, "RESTORE_POLL_INTERVAL", "1min");
    if (pollSeconds < 1) throw new SettingsError(`RESTORE_POLL_INTERVAL: expected at least 1s`);
    return { tier: tier as RestoreTier, days, waitSeconds: durationSeconds(env, "RESTORE_WAIT", "6h"), pollSeconds };
}
