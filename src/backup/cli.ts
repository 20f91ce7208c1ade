// npm run --silent backup -- <command>: the backup runner the CronJobs run. One line on stdout on
// success; one line on stderr naming what failed and exit 1 on failure; exit 2 for bad usage or a
// missing setting (src/cli/command.ts). SIGTERM/SIGINT stop the run in order (stop.ts).
import {
    executeCommand,
    exitWhenDrained,
    processOutput,
    UsageError,
    type CommandOutput,
    type CommandSpec,
    type OptionSpec,
} from "../cli/command";
import { configBackup, kubernetesApi, parseConfigObjects } from "./cluster-config";
import { dbDump, dbRestore, verify } from "./db";
import { describeError, SettingsError } from "./errors";
import { pushResult, type MetricsKind } from "./metrics";
import { modelsBackup, modelsRestore, type ArtifactLocation } from "./models";
import { checkDatabaseUrl, databaseUrl, readSettings, required } from "./settings";
import { handleStopSignals, stopSignal } from "./stop";
import { BackupStore, type Manifest } from "./store";

export const spec = {
    invocation: "npm run --silent backup --",
    positionals: "<command>",
    summary: [
        "The backup runner. Commands:",
        "  db-dump          pg_dump of DATABASE_URL streamed to s3://BACKUP_BUCKET/BACKUP_PREFIX/db/<id>/ (a database without tables fails unless --allow-empty)",
        "  db-restore       restore a dump (--from) into an existing, empty database (--target-url or TARGET_DATABASE_URL)",
        "  verify           restore a dump into a scratch database on DATABASE_URL's server and compare row counts",
        "  models           archive s3://MODELS_BUCKET/MODELS_PREFIX to .../models/<id>/ (an empty source fails unless --allow-empty)",
        "  models-restore   write an archive (--from) back to MODELS_BUCKET/MODELS_PREFIX or --target-bucket/--target-prefix",
        "  config           archive the Kubernetes objects named in CONFIG_OBJECTS to .../config/<id>/",
    ].join("\n"),
    minPositionals: 1,
    maxPositionals: 1,
    options: {
        from: {
            type: "string",
            value: "latest|ID",
            description: "the backup to read (db-restore, verify, models-restore); default latest",
        },
        "target-url": {
            type: "string",
            value: "URL",
            description: "db-restore: postgresql:// URL of the target database (in a pod: TARGET_DATABASE_URL)",
        },
        "target-bucket": { type: "string", value: "BUCKET", description: "models-restore: bucket to write to (default MODELS_BUCKET)" },
        "target-prefix": {
            type: "string",
            value: "PREFIX",
            description: "models-restore: key prefix to write under (default MODELS_PREFIX)",
        },
        "allow-empty": {
            type: "boolean",
            description: "db-dump, models: record an empty database or artifact store as a backup instead of failing",
        },
    },
    notes: [
        "environment: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or IRSA), AWS_ENDPOINT_URL_S3, BACKUP_BUCKET,",
        "  BACKUP_PREFIX, BACKUP_KMS_KEY_ID, DATABASE_URL, VERIFY_DATABASE_URL, TARGET_DATABASE_URL, MODELS_BUCKET, MODELS_PREFIX,",
        "  CONFIG_OBJECTS, PUSHGATEWAY_URL, PG_BIN_DIR, PG_LOCK_WAIT_TIMEOUT (pg_dump --lock-wait-timeout, default 5min)",
        "exit codes: 0 done, 1 the backup or restore failed (or was interrupted by SIGTERM/SIGINT), 2 bad usage",
    ],
    examples: [
        "npm run --silent backup -- db-dump",
        "npm run --silent backup -- db-restore --from 20261127T011500Z-3f2a --target-url postgresql://mlflow@db:5432/mlflow",
        "npm run --silent backup -- models-restore --from latest --target-bucket pneumonia-dr-artifacts",
    ],
} satisfies CommandSpec<Record<string, OptionSpec>>;

type Env = NodeJS.ProcessEnv;
const commands = ["db-dump", "db-restore", "verify", "models", "models-restore", "config"] as const;
type Command = (typeof commands)[number];
type Options = { from?: string; "target-url"?: string; "target-bucket"?: string; "target-prefix"?: string; "allow-empty"?: boolean };

function artifactLocation(env: Env, bucket?: string, prefix?: string): ArtifactLocation {
    return {
        bucket: bucket ?? required(env, "MODELS_BUCKET", "the MLflow artifact bucket"),
        prefix: (prefix ?? env.MODELS_PREFIX ?? "mlflow").replace(/^\/+|\/+$/g, ""),
    };
}

function describe(store: BackupStore, manifest: Manifest): string {
    return `${store.url(manifest.key)} (${manifest.size} bytes, sha256 ${manifest.sha256})`;
}

async function execute(command: Command, options: Options, env: Env): Promise<{ line: string; size?: number }> {
    const store = new BackupStore(readSettings(env));
    const from = options.from ?? "latest";
    switch (command) {
        case "db-dump": {
            const manifest = await dbDump(store, databaseUrl(env, "DATABASE_URL", "the database to back up"), env, {
                allowEmpty: options["allow-empty"] === true,
            });
            const tables = Object.keys((manifest.details.tables as object) ?? {}).length;
            return { line: `db-dump: ${describe(store, manifest)}, ${tables} tables; latest -> ${manifest.id}`, size: manifest.size };
        }
        case "db-restore": {
            // In a pod the URL comes from a Secret through TARGET_DATABASE_URL, never through the command line.
            const given = options["target-url"] ?? env.TARGET_DATABASE_URL;
            if (!given) throw new UsageError("db-restore: --target-url (or TARGET_DATABASE_URL) is required");
            const target = checkDatabaseUrl(options["target-url"] ? "--target-url" : "TARGET_DATABASE_URL", given);
            const manifest = await dbRestore(store, from, target, env);
            return { line: `db-restore: restored db/${manifest.id} (sha256 ${manifest.sha256} checked)` };
        }
        case "verify": {
            const url = env.VERIFY_DATABASE_URL
                ? databaseUrl(env, "VERIFY_DATABASE_URL", "the server for the scratch database")
                : databaseUrl(env, "DATABASE_URL", "the server for the scratch database");
            const report = await verify(store, from, url, env);
            return {
                line: `verify: db/${report.manifest.id} OK: sha256 checked, ${report.tables} tables and ${report.rows} rows match the manifest`,
            };
        }
        case "models": {
            const manifest = await modelsBackup(store, artifactLocation(env), { allowEmpty: options["allow-empty"] === true });
            return {
                line: `models: ${describe(store, manifest)}, ${manifest.details.objects} objects; latest -> ${manifest.id}`,
                size: manifest.size,
            };
        }
        case "models-restore": {
            const result = await modelsRestore(store, from, artifactLocation(env, options["target-bucket"], options["target-prefix"]));
            return { line: `models-restore: restored ${result.objects} objects from models/${result.manifest.id} (sha256 checked)` };
        }
        case "config": {
            const manifest = await configBackup(store, parseConfigObjects(env.CONFIG_OBJECTS), kubernetesApi(env));
            return {
                line: `config: ${describe(store, manifest)}, ${(manifest.details.objects as string[]).length} objects; latest -> ${manifest.id}`,
                size: manifest.size,
            };
        }
    }
}

const metricsKind: Partial<Record<Command, MetricsKind>> = { "db-dump": "db", verify: "verify", models: "models", config: "config" };

/**
 * Runs one command and pushes its result; returns the exit code. Usage mistakes throw UsageError
 * (exit 2) before anything runs; a failed backup is one line on stderr and exit 1.
 */
async function backup(
    positionals: string[],
    options: Options,
    env: Env,
    write: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
    const name = positionals[0];
    if (!(commands as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name}"`);
    const command = name as Command;
    if (options["allow-empty"] && command !== "models" && command !== "db-dump")
        throw new UsageError(`--allow-empty: only for db-dump and models, not ${command}`);

    const startedAt = new Date();
    let code = 0;
    let size: number | undefined;
    try {
        const result = await execute(command, options, env);
        size = result.size;
        write.out(result.line);
    } catch (error) {
        if (error instanceof UsageError) throw error;
        const message = describeError(stopSignal.aborted ? stopSignal.reason : error);
        write.err(`error: ${message.startsWith(`${command}:`) ? message : `${command}: ${message}`}`);
        code = error instanceof SettingsError ? 2 : 1;
    }
    const kind = metricsKind[command];
    if (kind && env.PUSHGATEWAY_URL) {
        await pushResult(
            env.PUSHGATEWAY_URL.replace(/\/+$/, ""),
            { kind, ok: code === 0, startedAt, finishedAt: new Date(), sizeBytes: size },
            write.err,
        );
    }
    return code;
}

/**
 * The runner as its process runs it, without exiting: `argv` as on the command line, `env` as the
 * pod's; resolves to the exit code. Tests run the failure paths through this in-process.
 */
export function main(argv: string[], env: Env, output: CommandOutput = processOutput): Promise<number> {
    const lines = { out: (l: string) => output.out(`${l}\n`), err: (l: string) => output.err(`${l}\n`) };
    return executeCommand(spec, ({ positionals, values }) => backup(positionals, values, env, lines), argv, output);
}

if (require.main === module) {
    // The runner's own Node version is the image's business; the SDK's upgrade notice is noise in its one-line output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    handleStopSignals();
    void main(process.argv.slice(2), process.env).then(exitWhenDrained);
}
