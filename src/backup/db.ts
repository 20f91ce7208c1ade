// db-dump, db-restore and verify: the MLflow database as a pg_dump custom-format archive.
import { pipeline as pipelineStreams } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BackupError, describeError, step } from "./errors";
import {
    connect,
    describeDatabase,
    lockWaitTimeout,
    pgDump,
    pgRestore,
    rowCounts,
    userTableCount,
    withDatabase,
    type RowCounts,
} from "./postgres";
import { throwIfStopped } from "./stop";
import { BackupStore, completedManifest, newBackupId, type Manifest } from "./store";
import { checksumError, Digest, digestOf, outputOf, VerifiedStream } from "./streams";

export interface DbDetails {
    serverVersion: string;
    tables: RowCounts;
}

/**
 * Dumps the database and moves `latest` to the dump. A database without user tables (a mistyped
 * name in DATABASE_URL, a fresh server) fails before anything is uploaded, unless `allowEmpty`.
 */
export async function dbDump(
    store: BackupStore,
    databaseUrl: string,
    env: NodeJS.ProcessEnv = process.env,
    options: { allowEmpty?: boolean } = {},
): Promise<Manifest> {
    const startedAt = new Date();
    const id = newBackupId(startedAt);
    const key = store.key("db", id, "mlflow.dump");
    const lockTimeout = lockWaitTimeout(env);
    const client = await connect(databaseUrl, "db-dump");
    try {
        // pg_dump joins this transaction's snapshot, so the row counts describe exactly the dump.
        const { serverVersion, snapshot } = await step(`db-dump: reading ${describeDatabase(databaseUrl)}`, async () => {
            await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            // The row counts wait for locks no longer than pg_dump does (--lock-wait-timeout).
            await client.query(`SET LOCAL lock_timeout = '${lockTimeout}'`);
            const snapshot = (await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id")).rows[0].id;
            const serverVersion = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version;
            return { serverVersion, snapshot };
        });
        if (
            !options.allowEmpty &&
            (await step(`db-dump: listing tables in ${describeDatabase(databaseUrl)}`, () => userTableCount(client))) === 0
        ) {
            throw new BackupError(
                `db-dump: ${describeDatabase(databaseUrl)} has no user tables: nothing backed up, latest unchanged (check DATABASE_URL's database name; --allow-empty records an empty backup)`,
            );
        }
        const dump = pgDump(databaseUrl, snapshot, env);
        const digest = new Digest();
        // The callback form of pipeline forwards a failing pg_dump to `digest`, and so to the upload.
        const body = pipelineStreams(outputOf(dump), digest, () => undefined);
        // Counted while pg_dump runs (same snapshot); a failed count fails, and aborts, the upload.
        const counting = step(`db-dump: counting rows in ${describeDatabase(databaseUrl)}`, () => rowCounts(client));
        counting.catch((error: Error) => body.destroy(error));
        const stored = await store
            .upload(key, body, () => digest.bytes, "application/vnd.postgresql.custom-dump")
            .catch((error: unknown) => {
                // S3 refused: stop pg_dump rather than leave it blocked on a pipe nobody reads.
                dump.child.kill();
                throw error;
            });
        const tables = await counting;
        const details: DbDetails = { serverVersion, tables };
        const manifest = completedManifest("db", id, key, stored, digest.sha256(), startedAt, { ...details });
        await store.commit(manifest);
        return manifest;
    } finally {
        await client.query("ROLLBACK").catch(() => undefined);
        await client.end().catch(() => undefined);
    }
}

/**
 * How far the download runs ahead of pg_restore. With Node's default 16 KiB, pg_restore (reading its
 * 64 KiB pipe) waited on every refill from S3, and the download waited on pg_restore: on a busy
 * machine each hand-over costs a scheduling delay (docs/benchmarks.md). 4 MiB keeps the peak RSS
 * under the 150 MiB budget.
 */
export const restoreReadAheadBytes = 4 * 1024 * 1024;

/**
 * Streams the backup into pg_restore. The checksum is checked before pg_restore sees the last
 * bytes; if pg_restore fails first, a second read tells a corrupted backup from a failing server.
 */
export async function restoreInto(
    store: BackupStore,
    manifest: Manifest,
    targetUrl: string,
    env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
    const what = store.url(manifest.key);
    const source = await store.open(manifest.key, manifest.versionId);
    const restore = pgRestore(targetUrl, env);
    const verified = new VerifiedStream(manifest, what, restoreReadAheadBytes);
    try {
        await Promise.all([pipeline(source, verified, restore.child.stdin!), restore.finished]);
    } catch (error) {
        // EPIPE means pg_restore stopped reading: its own exit status says why.
        if ((error as { code?: string }).code !== "EPIPE") restore.child.kill("SIGKILL");
        const restoreError = await restore.finished.then(
            () => undefined,
            (e: unknown) => e,
        );
        // Stopped: pg_restore's one transaction rolled back; there is no time to re-read the backup.
        throwIfStopped();
        if (error instanceof BackupError && error.message.startsWith("checksum mismatch")) throw error;
        const actual = await digestOf(await store.open(manifest.key, manifest.versionId)).catch(() => undefined);
        if (actual && (actual.sha256 !== manifest.sha256 || actual.size !== manifest.size)) throw checksumError(what, manifest, actual);
        const cause = (error as { code?: string }).code === "EPIPE" && restoreError ? restoreError : error;
        throw new BackupError(`restoring ${what} into ${describeDatabase(targetUrl)}: ${describeError(cause)}`, { cause });
    }
}

export async function dbRestore(
    store: BackupStore,
    from: string,
    targetUrl: string,
    env: NodeJS.ProcessEnv = process.env,
): Promise<Manifest> {
    const manifest = await store.manifest("db", from);
    // Fail before reading the backup if the target cannot be reached at all.
    (await connect(targetUrl, "db-restore")).end().catch(() => undefined);
    await restoreInto(store, manifest, targetUrl, env);
    return manifest;
}

export interface VerifyReport {
    manifest: Manifest;
    tables: number;
    rows: number;
}

/** Restores into a scratch database on the server of `databaseUrl`, compares row counts, drops it. */
export async function verify(
    store: BackupStore,
    from: string,
    databaseUrl: string,
    env: NodeJS.ProcessEnv = process.env,
): Promise<VerifyReport> {
    const manifest = await store.manifest("db", from);
    const expected = (manifest.details as unknown as DbDetails).tables ?? {};
    const scratch = `backup_verify_${manifest.id.toLowerCase().replace(/[^a-z0-9]/g, "_")}`;
    const admin = await connect(databaseUrl, "verify");
    try {
        await step(`verify: creating scratch database ${scratch}`, async () => {
            await admin.query(`DROP DATABASE IF EXISTS "${scratch}"`);
            await admin.query(`CREATE DATABASE "${scratch}"`);
        });
        const scratchUrl = withDatabase(databaseUrl, scratch);
        await restoreInto(store, manifest, scratchUrl, env);
        const restored = await connect(scratchUrl, "verify");
        const actual = await rowCounts(restored).finally(() => restored.end().catch(() => undefined));
        const names = new Set([...Object.keys(expected), ...Object.keys(actual)]);
        const differences = [...names]
            .sort()
            .filter((name) => expected[name] !== actual[name])
            .map((name) => `${name} manifest ${expected[name] ?? "absent"} restored ${actual[name] ?? "absent"}`);
        if (differences.length > 0) {
            throw new BackupError(`verify: db/${manifest.id} row counts differ from the manifest: ${differences.join("; ")}`);
        }
        return { manifest, tables: names.size, rows: Object.values(actual).reduce((a, b) => a + b, 0) };
    } finally {
        await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`).catch(() => undefined);
        await admin.end().catch(() => undefined);
    }
}
