// What the runner does with PostgreSQL: connect, count rows in one snapshot, run pg_dump/pg_restore.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client, type ClientConfig } from "pg";
import { BackupError, describeError, SettingsError } from "./errors";
import { run, type Program } from "./streams";

/** Row count of every user table, keyed by `schema.table`. */
export type RowCounts = Record<string, number>;

/** The sslmode values that ask for TLS; with a root certificate configured they are all verified in full. */
const tlsModes = ["require", "verify-ca", "verify-full"];

/**
 * The CA bundle server certificates are checked against: PGSSLROOTCERT, libpq's own variable (the
 * runner image sets it to the RDS CA bundle it ships). Unset: libpq's defaults.
 */
export function rootCertificate(env: NodeJS.ProcessEnv): { path: string; pem: string } | undefined {
    const path = env.PGSSLROOTCERT?.trim();
    if (!path) return undefined;
    try {
        return { path, pem: readFileSync(path, "utf8") };
    } catch (error) {
        throw new SettingsError(`PGSSLROOTCERT: cannot read ${path}: ${describeError(error)}`);
    }
}

/**
 * node-postgres settings for a libpq-style URL. With a root certificate (PGSSLROOTCERT), any TLS
 * sslmode is verify-full: the chain against that bundle and the host name against the
 * certificate (Node's default check), as RDS connections must be. Without one, `require` keeps
 * libpq's meaning (encrypted, not verified), for a laptop's server.
 */
export function clientConfig(url: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
    const parsed = new URL(url);
    const sslmode = parsed.searchParams.get("sslmode") ?? "prefer";
    parsed.searchParams.delete("sslmode");
    parsed.searchParams.delete("sslrootcert");
    const root = tlsModes.includes(sslmode) ? rootCertificate(env) : undefined;
    const ssl = root
        ? { ca: root.pem, rejectUnauthorized: true }
        : !tlsModes.includes(sslmode)
          ? false
          : sslmode === "require"
            ? { rejectUnauthorized: false }
            : true;
    return { connectionString: parsed.toString(), ssl, connectionTimeoutMillis: 15_000, application_name: "pneumonia-backup" };
}

export async function connect(url: string, what: string): Promise<Client> {
    const client = new Client(clientConfig(url));
    // An idle-connection error after connect would otherwise crash the process with a stack trace.
    client.on("error", () => undefined);
    try {
        await client.connect();
    } catch (error) {
        await client.end().catch(() => undefined);
        throw new BackupError(`${what}: cannot connect to ${describeDatabase(url)}: ${describeError(error)}`, { cause: error });
    }
    return client;
}

/** host:port/dbname, for messages: never the user or password. */
export function describeDatabase(url: string): string {
    try {
        const u = new URL(url);
        return `database ${u.hostname}:${u.port || "5432"}${u.pathname}`;
    } catch {
        return "database (unparsable URL)";
    }
}

/** The user tables: ordinary tables outside the system schemas. */
const userTables = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`;

export async function userTableCount(client: Client): Promise<number> {
    return Number((await client.query<{ n: string }>(`SELECT count(*) AS n ${userTables}`)).rows[0].n);
}

export async function rowCounts(client: Client): Promise<RowCounts> {
    const tables = await client.query<{ name: string }>(`SELECT format('%I.%I', n.nspname, c.relname) AS name ${userTables} ORDER BY 1`);
    const counts: RowCounts = {};
    for (const { name } of tables.rows) {
        const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
        counts[name.replace(/"/g, "")] = Number(result.rows[0].n);
    }
    return counts;
}

/** Where pg_dump/pg_restore live: PG_BIN_DIR, else whatever PATH finds. */
function pgProgram(name: string, env: NodeJS.ProcessEnv): string {
    return env.PG_BIN_DIR ? join(env.PG_BIN_DIR, name) : name;
}

/**
 * libpq reads the password from PGPASSWORD, so it never shows in the process list. With a root
 * certificate, pg_dump and pg_restore verify the server as clientConfig does (sslmode=verify-full).
 */
function libpqTarget(url: string, env: NodeJS.ProcessEnv): { dbname: string; env: NodeJS.ProcessEnv } {
    const parsed = new URL(url);
    const password = decodeURIComponent(parsed.password);
    parsed.password = "";
    const root = tlsModes.includes(parsed.searchParams.get("sslmode") ?? "") ? rootCertificate(env) : undefined;
    if (root) {
        parsed.searchParams.set("sslmode", "verify-full");
        parsed.searchParams.set("sslrootcert", root.path);
    }
    return { dbname: parsed.toString(), env: { ...env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/**
 * How long pg_dump waits for a table's share lock before it fails (a migration holding an
 * exclusive lock): minutes, not the Job's 2 h deadline. Any value SET lock_timeout takes.
 */
export function lockWaitTimeout(env: NodeJS.ProcessEnv): string {
    const value = env.PG_LOCK_WAIT_TIMEOUT?.trim() || "5min";
    if (!/^\d+(ms|s|min)?$/.test(value))
        throw new SettingsError(`PG_LOCK_WAIT_TIMEOUT: expected a duration such as 5min, 30s or 500ms, got "${value}"`);
    return value;
}

export function pgDump(url: string, snapshot: string, env: NodeJS.ProcessEnv = process.env): Program {
    const target = libpqTarget(url, env);
    const args = [
        "--format=custom",
        `--snapshot=${snapshot}`,
        `--lock-wait-timeout=${lockWaitTimeout(env)}`,
        "--no-password",
        `--dbname=${target.dbname}`,
    ];
    return run("pg_dump", pgProgram("pg_dump", env), args, {
        env: target.env,
        stdio: "ignore",
    });
}

/**
 * pg_restore reading the archive from stdin, all in one transaction: a restore that fails or is
 * cut off leaves the target as it was. Ownership and grants are left to the target's own roles.
 */
export function pgRestore(url: string, env: NodeJS.ProcessEnv = process.env): Program {
    const target = libpqTarget(url, env);
    return run(
        "pg_restore",
        pgProgram("pg_restore", env),
        ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", "--no-password", `--dbname=${target.dbname}`],
        { env: target.env },
    );
}

/** The same server as `url`, another database. */
export function withDatabase(url: string, dbname: string): string {
    const parsed = new URL(url);
    parsed.pathname = `/${dbname}`;
    return parsed.toString();
}
