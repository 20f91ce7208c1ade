// Shared by the runner's tests: real PostgreSQL 15 and moto_server, and the CLI run as a child process.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { startMoto, type MotoServer } from "../../helpers/moto";
import { pgBinDir, startPostgres, type PostgresServer, type PostgresTls } from "../../helpers/postgres";

export const repoRoot = resolve(__dirname, "../../..");
export const cliPath = resolve(repoRoot, "src/backup/cli.ts");

export interface CliResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Peak RSS of the runner in KiB, when run under /usr/bin/time. */
    maxRssKiB?: number;
}

/** The runner's command line: Node with tsx on src/backup/cli.ts (like `npm run backup`). */
export function cliCommand(args: string[]): string[] {
    return [process.execPath, "--require", "tsx/cjs", cliPath, ...args];
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

/** Runs the backup CLI in a fresh Node process, as the CronJob does. */
export function runCli(args: string[], env: Record<string, string>, options: { measure?: boolean } = {}): Promise<CliResult> {
    const node = cliCommand(args);
    return collect(spawnWithEnv(options.measure ? ["/usr/bin/time", "-f", "MAXRSS=%M", ...node] : node, env));
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

export async function startServers(dbname = "mlflow", options: { tls?: PostgresTls } = {}): Promise<Servers> {
    const started = await Promise.allSettled([startPostgres(options), startMoto()]);
    if (started.some((s) => s.status === "rejected")) {
        // Stop whichever did start, so a failed set-up leaves no server behind.
        await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
        throw (started.find((s) => s.status === "rejected") as PromiseRejectedResult).reason;
    }
    const [pg, moto] = started.map((s) => (s as PromiseFulfilledResult<PostgresServer | MotoServer>).value) as [PostgresServer, MotoServer];
    const s3 = moto.client();
    const bucket = "pneumonia-backups-test";
    try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        await pg.createDatabase(dbname);
    } catch (error) {
        await Promise.all([pg.stop(), moto.stop()]);
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
            await Promise.all([pg.stop(), moto.stop()]);
        },
    };
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body!.transformToString();
}

export async function readBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
}

export async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
    try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
    } catch {
        return false;
    }
}

/** An MLflow-shaped schema with awkward types (bytea, jsonb, NULLs, a foreign key) and some data. */
export const mlflowFixture = `
CREATE TABLE experiments (experiment_id serial PRIMARY KEY, name text UNIQUE NOT NULL, artifact_location text, lifecycle_stage text, tags jsonb);
CREATE TABLE runs (run_uuid text PRIMARY KEY, experiment_id int REFERENCES experiments, status text, start_time bigint, end_time bigint, payload bytea);
CREATE TABLE metrics (key text, value double precision, timestamp bigint, run_uuid text REFERENCES runs, step bigint, PRIMARY KEY (key, timestamp, run_uuid, step));
CREATE SCHEMA registry;
CREATE TABLE registry.registered_models (name text PRIMARY KEY, description text);
INSERT INTO experiments (name, artifact_location, lifecycle_stage, tags)
  SELECT 'experiment-' || g, 's3://artifacts/mlflow/' || g, CASE WHEN g % 5 = 0 THEN 'deleted' ELSE 'active' END,
         CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_object('owner', 'team-' || g % 4, 'note', E'quote '' and \\\\ backslash') END
  FROM generate_series(1, 40) g;
INSERT INTO runs SELECT md5(g::text), 1 + g % 40, 'FINISHED', g * 1000, CASE WHEN g % 7 = 0 THEN NULL ELSE g * 1000 + 500 END, decode(md5(g::text), 'hex')
  FROM generate_series(1, 3000) g;
INSERT INTO metrics SELECT 'loss', 1.0 / g, g, md5((1 + g % 3000)::text), g % 10 FROM generate_series(1, 20000) g;
INSERT INTO registry.registered_models VALUES ('pneumonia-detector', 'ResNet ünïcode ✓'), ('baseline', NULL);
`;
