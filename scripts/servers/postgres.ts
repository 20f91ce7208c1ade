// A throw-away PostgreSQL 15 server for tests and benchmarks: initdb in a temp dir as user
// `postgres`, listening on 127.0.0.1 and a free port, password authentication over TCP, stopped by
// the postmaster's PID.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";

export const pgBinDir = "/usr/lib/postgresql/15/bin";

/** A port nothing listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (await check()) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export interface PostgresServer {
    port: number;
    password: string;
    /** postgresql://postgres:<password>@127.0.0.1:<port>/<dbname> */
    url(dbname?: string): string;
    query<T extends Record<string, unknown> = Record<string, unknown>>(dbname: string, sql: string): Promise<T[]>;
    createDatabase(dbname: string): Promise<void>;
    stop(): Promise<void>;
}

/** Server TLS for startPostgres: PEM files the server reads (copied into its own directory). */
export interface PostgresTls {
    certFile: string;
    keyFile: string;
}

export async function startPostgres(options: { tls?: PostgresTls } = {}): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), "pg-test-"));
    const owner = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const group = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, owner, group);
    const data = join(dir, "data");
    const password = randomBytes(12).toString("hex");
    const pwfile = join(dir, "pwfile");
    writeFileSync(pwfile, password, { mode: 0o600 });
    chownSync(pwfile, owner, group);
    const asPostgres = (bin: string, args: string[]) =>
        execFileSync("runuser", ["-u", "postgres", "--", join(pgBinDir, bin), ...args], { stdio: "pipe" });
    asPostgres("initdb", [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth-host=scram-sha-256",
        "--auth-local=trust",
        `--pwfile=${pwfile}`,
        "-E",
        "UTF8",
        "--no-sync",
    ]);
    rmSync(pwfile);
    const port = await freePort();
    const tls: string[] = [];
    if (options.tls) {
        // The server refuses a key readable by others; it must belong to the postgres user.
        for (const [from, name] of [
            [options.tls.certFile, "server.crt"],
            [options.tls.keyFile, "server.key"],
        ] as const) {
            writeFileSync(join(dir, name), readFileSync(from), { mode: 0o600 });
            chownSync(join(dir, name), owner, group);
        }
        tls.push(`-c ssl=on -c ssl_cert_file=${join(dir, "server.crt")} -c ssl_key_file=${join(dir, "server.key")}`);
    }
    asPostgres("pg_ctl", [
        "-D",
        data,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-t",
        "60",
        "-o",
        `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${tls.join(" ")}`.trim(),
        "start",
    ]);
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    return postgresAt(port, password, async () => {
        if (processAlive(pid)) {
            // SIGINT is the postmaster's "fast" shutdown: roll back sessions, then exit.
            process.kill(pid, "SIGINT");
            await waitUntil(`postgres (pid ${pid}) to stop`, () => !processAlive(pid));
        }
        rmSync(dir, { recursive: true, force: true });
    });
}

/** A server already listening on 127.0.0.1:`port` (one started for the whole test run); `stop` is the caller's. */
export function postgresAt(port: number, password: string, stop: () => Promise<void>): PostgresServer {
    const url = (dbname = "postgres") => `postgresql://postgres:${password}@127.0.0.1:${port}/${dbname}`;
    const query = async <T extends Record<string, unknown>>(dbname: string, sql: string): Promise<T[]> => {
        const client = new Client({ connectionString: url(dbname) });
        await client.connect();
        try {
            return (await client.query(sql)).rows as T[];
        } finally {
            await client.end();
        }
    };
    return {
        port,
        password,
        url,
        query,
        createDatabase: async (dbname) => void (await query("postgres", `CREATE DATABASE "${dbname}"`)),
        stop,
    };
}

/** Row count and an md5 over every row in a stable order, for every user table: equal maps mean equal data. */
export async function tableFingerprints(server: PostgresServer, dbname: string): Promise<Record<string, { rows: number; md5: string }>> {
    const tables = await server.query<{ name: string }>(
        dbname,
        `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`,
    );
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const { name } of tables) {
        const [row] = await server.query<{ rows: string; md5: string | null }>(
            dbname,
            `SELECT count(*) AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ${name} t`,
        );
        out[name] = { rows: Number(row.rows), md5: row.md5 ?? "" };
    }
    return out;
}

/**
 * Adds a table of random hex text until the database is about `bytes` large (pg_database_size).
 * Hex digits compress about 2:1, so the dump stays large, like real run data.
 */
export async function fillDatabase(server: PostgresServer, dbname: string, bytes: number): Promise<number> {
    // About 190 bytes per row on disk with tuple overhead; insert in batches to keep each statement short.
    await server.query(dbname, "CREATE TABLE IF NOT EXISTS filler (id bigint PRIMARY KEY, payload text NOT NULL)");
    const size = async () => Number((await server.query<{ n: string }>(dbname, "SELECT pg_database_size(current_database()) AS n"))[0].n);
    let next = Number((await server.query<{ n: string }>(dbname, "SELECT coalesce(max(id), 0) + 1 AS n FROM filler"))[0].n);
    const batch = 250_000;
    while ((await size()) < bytes) {
        const rows = Math.max(10_000, Math.min(batch, Math.ceil(((bytes - (await size())) / 190) * 1.02)));
        await server.query(
            dbname,
            `INSERT INTO filler SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
             FROM generate_series(${next}, ${next + rows - 1}) g`,
        );
        next += rows;
    }
    await server.query(dbname, "VACUUM ANALYZE filler");
    return size();
}
