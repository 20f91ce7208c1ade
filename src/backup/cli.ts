// npm run --silent backup -- <command>: the backup runner the CronJobs run. One line on stdout on
// success; one line on stderr naming what failed and exit code 1 on failure (2 for bad usage).
import { parseArgs } from "node:util";
import { configBackup, kubernetesApi, parseConfigObjects } from "./cluster-config";
import { dbDump, dbRestore, verify } from "./db";
import { describeError } from "./errors";
import { pushResult, type MetricsKind } from "./metrics";
import { modelsBackup, modelsRestore, type ArtifactLocation } from "./models";
import { checkDatabaseUrl, databaseUrl, readSettings, required } from "./settings";
import { BackupStore, type Manifest } from "./store";

export const usage = `usage: backup <command> [options]
  db-dump                                    pg_dump of DATABASE_URL streamed to s3://BACKUP_BUCKET/BACKUP_PREFIX/db/<id>/
  db-restore --from <latest|id> --target-url <postgresql://...>
                                             restore a dump into an existing (empty) database (URL also from TARGET_DATABASE_URL)
  verify [--from <latest|id>]                restore into a scratch database on DATABASE_URL's server, compare row counts
  models                                     archive s3://MODELS_BUCKET/MODELS_PREFIX to .../models/<id>/
  models-restore --from <latest|id> [--target-bucket B] [--target-prefix P]
                                             write archived artifacts back (default: MODELS_BUCKET/MODELS_PREFIX)
  config                                     archive the Kubernetes objects named in CONFIG_OBJECTS to .../config/<id>/
environment: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or IRSA), AWS_ENDPOINT_URL_S3, BACKUP_BUCKET,
  BACKUP_PREFIX, BACKUP_KMS_KEY_ID, DATABASE_URL, VERIFY_DATABASE_URL, TARGET_DATABASE_URL, MODELS_BUCKET, MODELS_PREFIX, CONFIG_OBJECTS, PUSHGATEWAY_URL, PG_BIN_DIR`;

class UsageError extends Error {}

type Env = NodeJS.ProcessEnv;
const commands = ["db-dump", "db-restore", "verify", "models", "models-restore", "config"] as const;
type Command = (typeof commands)[number];

function artifactLocation(env: Env, bucket?: string, prefix?: string): ArtifactLocation {
    return {
        bucket: bucket ?? required(env, "MODELS_BUCKET", "the MLflow artifact bucket"),
        prefix: (prefix ?? env.MODELS_PREFIX ?? "mlflow").replace(/^\/+|\/+$/g, ""),
    };
}

function describe(store: BackupStore, manifest: Manifest): string {
    return `${store.url(manifest.key)} (${manifest.size} bytes, sha256 ${manifest.sha256})`;
}

async function execute(command: Command, options: Record<string, string | undefined>, env: Env): Promise<{ line: string; size?: number }> {
    const store = new BackupStore(readSettings(env));
    const from = options.from ?? "latest";
    switch (command) {
        case "db-dump": {
            const manifest = await dbDump(store, databaseUrl(env, "DATABASE_URL", "the database to back up"), env);
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
            const url = env.VERIFY_DATABASE_URL ? databaseUrl(env, "VERIFY_DATABASE_URL", "the server for the scratch database") : databaseUrl(env, "DATABASE_URL", "the server for the scratch database");
            const report = await verify(store, from, url, env);
            return { line: `verify: db/${report.manifest.id} OK: sha256 checked, ${report.tables} tables and ${report.rows} rows match the manifest` };
        }
        case "models": {
            const manifest = await modelsBackup(store, artifactLocation(env));
            return { line: `models: ${describe(store, manifest)}, ${manifest.details.objects} objects; latest -> ${manifest.id}`, size: manifest.size };
        }
        case "models-restore": {
            const result = await modelsRestore(store, from, artifactLocation(env, options["target-bucket"], options["target-prefix"]));
            return { line: `models-restore: restored ${result.objects} objects from models/${result.manifest.id} (sha256 checked)` };
        }
        case "config": {
            const manifest = await configBackup(store, parseConfigObjects(env.CONFIG_OBJECTS), kubernetesApi(env));
            return { line: `config: ${describe(store, manifest)}, ${(manifest.details.objects as string[]).length} objects; latest -> ${manifest.id}`, size: manifest.size };
        }
    }
}

const metricsKind: Partial<Record<Command, MetricsKind>> = { "db-dump": "db", verify: "verify", models: "models", config: "config" };

export async function main(argv: string[], env: Env, write: { out: (line: string) => void; err: (line: string) => void }): Promise<number> {
    let command: Command;
    let options: Record<string, string | undefined>;
    try {
        const parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            strict: true,
            options: {
                from: { type: "string" },
                "target-url": { type: "string" },
                "target-bucket": { type: "string" },
                "target-prefix": { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
        if (parsed.values.help) {
            write.out(usage);
            return 0;
        }
        const [name, ...extra] = parsed.positionals;
        if (!name || !(commands as readonly string[]).includes(name)) throw new UsageError(name ? `unknown command "${name}"` : "no command given");
        if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
        command = name as Command;
        options = parsed.values as Record<string, string | undefined>;
    } catch (error) {
        write.err(`error: ${describeError(error).replace(/^TypeError \[ERR_PARSE_ARGS_\w+\]: /, "")}\n${usage}`);
        return 2;
    }

    const startedAt = new Date();
    let code = 0;
    let size: number | undefined;
    try {
        const result = await execute(command, options, env);
        size = result.size;
        write.out(result.line);
    } catch (error) {
        if (error instanceof UsageError) {
            write.err(`error: ${error.message}\n${usage}`);
            return 2;
        }
        const message = describeError(error);
        write.err(`error: ${message.startsWith(`${command}:`) ? message : `${command}: ${message}`}`);
        code = 1;
    }
    const kind = metricsKind[command];
    if (kind && env.PUSHGATEWAY_URL) {
        await pushResult(env.PUSHGATEWAY_URL.replace(/\/+$/, ""), { kind, ok: code === 0, startedAt, finishedAt: new Date(), sizeBytes: size }, write.err);
    }
    return code;
}

if (require.main === module) {
    // The runner's own Node version is the image's business; the SDK's upgrade notice is noise in its one-line output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    main(process.argv.slice(2), process.env, { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }).then(
        (code) => process.exit(code),
        (error: unknown) => {
            process.stderr.write(`error: ${describeError(error)}\n`);
            process.exit(1);
        },
    );
}
