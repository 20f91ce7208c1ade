// The backup runner's surroundings for its tests and `npm run bench:backup`: a PostgreSQL 15 and a
// moto_server with the backup bucket and a database, and the runner run as a child process with
// only the environment a pod gives it.
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { motoAt, startMoto, type MotoServer } from "./moto";
import { pgBinDir, postgresAt, startPostgres, type PostgresServer, type PostgresTls } from "./postgres";

export const repoRoot = resolve(__dirname, "../..");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Peak RSS of the runner in KiB, when run under /usr/bin/time. */
    maxRssKiB?: number;
}

/** Collects a child's output and resolves with it when it exits. */
export function collect(child: ChildProcess): Promise<CliResult> {
    return new Promise((done, fail) => {
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", fail);
        child.on("close", (code) => {
            const rss = /MAXRSS=(\d+)/.exec(stderr);
            if (rss) stderr = stderr.replace(/MAXRSS=\d+\n?/, "");
            done({ code, stdout, stderr, ...(rss ? { maxRssKiB: Number(rss[1]) } : {}) });
        });
    });
}

/** Starts `command` with only the runner's environment (PATH, HOME and `env`), as a pod would. */
export function spawnWithEnv(command: string[], env: Record<string, string>): ChildProcess {
    const [program, ...rest] = command;
    return spawn(program, rest, { cwd: repoRoot, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } });
}

export interface Servers {
    pg: PostgresServer;
    moto: MotoServer;
    s3: S3Client;
    bucket: string;
    /** Environment for the CLI: moto credentials, bucket, prefix, database. */
    env: Record<string, string>;
    stop(): Promise<void>;
}

/**
 * The one PostgreSQL and moto_server of a test run (tests/helpers/shared-servers.ts), passed to
 * every test process through this environment variable: `{ "postgres": { port, password }, "s3": endpoint }`.
 */
export const sharedServersVariable = "PNEUMONIA_TEST_SERVERS";

export interface SharedServers {
    postgres: { port: number; password: string };
    s3: string;
}

/**
 * A database named `dbname` and the backup bucket on servers of their own, or, when the test run
 * shares its servers (and no server TLS is asked for), on the shared ones: the database names a
 * caller passes get a prefix of this caller's own and the bucket a suffix, so that files running
 * side by side never meet; stop() drops what it created and leaves the servers running.
 */
export async function startServers(dbname = "mlflow", options: { tls?: PostgresTls } = {}): Promise<Servers> {
    const shared = process.env[sharedServersVariable];
    if (shared && !options.tls) return attachServers(dbname, JSON.parse(shared) as SharedServers);
    const started = await Promise.allSettled([startPostgres(options), startMoto()]);
    if (started.some((s) => s.status === "rejected")) {
        // Stop whichever did start, so a failed set-up leaves no server behind.
        await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
        throw (started.find((s) => s.status === "rejected") as PromiseRejectedResult).reason;
    }
    const [pg, moto] = started.map((s) => (s as PromiseFulfilledResult<PostgresServer | MotoServer>).value) as [PostgresServer, MotoServer];
    return withBucketAndDatabase(pg, moto, "pneumonia-backups-test", dbname, () =>
        Promise.all([pg.stop(), moto.stop()]).then(() => undefined),
    );
}

/** The run's shared moto_server when there is one, else one of the caller's own. */
export async function startOrAttachMoto(): Promise<MotoServer> {
    const shared = process.env[sharedServersVariable];
    return shared ? motoAt((JSON.parse(shared) as SharedServers).s3, async () => undefined) : startMoto();
}

async function attachServers(dbname: string, shared: SharedServers): Promise<Servers> {
    const own = randomBytes(4).toString("hex");
    const server = postgresAt(shared.postgres.port, shared.postgres.password, async () => undefined);
    const created: string[] = [];
    const name = (db: string) => (db === "postgres" ? db : `t${own}_${db}`);
    const pg: PostgresServer = {
        ...server,
        url: (db) => server.url(db === undefined ? undefined : name(db)),
        query: (db, sql) => server.query(name(db), sql),
        createDatabase: async (db) => {
            await server.createDatabase(name(db));
            created.push(name(db));
        },
    };
    const moto = motoAt(shared.s3, async () => undefined);
    const bucket = `pneumonia-backups-test-${own}`;
    return withBucketAndDatabase(pg, moto, bucket, dbname, async () => {
        for (const db of created) await server.query("postgres", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    });
}

async function withBucketAndDatabase(
    pg: PostgresServer,
    moto: MotoServer,
    bucket: string,
    dbname: string,
    release: () => Promise<void>,
): Promise<Servers> {
    const s3 = moto.client();
    try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await pg.createDatabase(dbname);
    } catch (error) {
        s3.destroy();
        await release();
        throw error;
    }
    return {
        pg,
        moto,
        s3,
        bucket,
        env: { ...moto.env, BACKUP_BUCKET: bucket, BACKUP_PREFIX: "test", DATABASE_URL: pg.url(dbname), PG_BIN_DIR: pgBinDir },
        stop: async () => {
            s3.destroy();
            await release();
        },
    };
}
