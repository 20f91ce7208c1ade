// Shared by the runner's tests: real PostgreSQL 15 and moto_server (scripts/servers/backup.ts), and
// the CLI run as a child process.
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { resolve } from "node:path";
import { main } from "../../../src/backup/cli";
import { collect, repoRoot, spawnWithEnv, type CliResult } from "../../../scripts/servers/backup";

export { collect, repoRoot, spawnWithEnv, startServers, type CliResult, type Servers } from "../../../scripts/servers/backup";

export const cliPath = resolve(repoRoot, "src/backup/cli.ts");

/** The runner's command line: Node with tsx on src/backup/cli.ts (like `npm run backup`). */
export function cliCommand(args: string[]): string[] {
    return [process.execPath, "--require", "tsx/cjs", cliPath, ...args];
}

/** Runs the backup CLI in a fresh Node process, as the CronJob does. */
export function runCli(args: string[], env: Record<string, string>, options: { measure?: boolean } = {}): Promise<CliResult> {
    const node = cliCommand(args);
    return collect(spawnWithEnv(options.measure ? ["/usr/bin/time", "-f", "MAXRSS=%M", ...node] : node, env));
}

/**
 * Runs the backup CLI in this process through its exported main, with only the runner's
 * environment (PATH, HOME and `env`), as runCli gives the child. The AWS SDK takes credentials from
 * the process environment (its default chain, IRSA in a pod), so `env`'s AWS_* are this process's
 * for the call; the test files run their cases one after another.
 */
export async function runInProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
    let stdout = "";
    let stderr = "";
    const aws = Object.keys(process.env).filter((k) => k.startsWith("AWS_"));
    const saved = Object.fromEntries(aws.map((k) => [k, process.env[k]]));
    for (const k of aws) delete process.env[k];
    Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("AWS_"))));
    try {
        const code = await main(
            args,
            { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
            { out: (t) => void (stdout += t), err: (t) => void (stderr += t) },
        );
        return { code, stdout, stderr };
    } finally {
        for (const k of Object.keys(process.env).filter((k) => k.startsWith("AWS_"))) delete process.env[k];
        Object.assign(process.env, saved);
    }
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
