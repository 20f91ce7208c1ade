// The quarterly DR test of the manual, automated: a drill stack (infra/backups/drill.ts) from the source
// stack's config, restored from its latest backups, checked, timed against the RTOs, reported,
// destroyed.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recoveryPointObjectives, recoveryTimeObjectives } from "../../infra/observability/objectives";
import { CheckFailedError, UsageError } from "../cli/command";
import { expectHealthy, mlflowCounts, type Fetch } from "./checks";
import type { ConfigMap, DrWorkspace } from "./workspace";

export const project = "pneumonia-platform";

/** Where a stack's backups or artifacts live. */
export interface ObjectLocation {
    bucket: string;
    prefix: string;
    region?: string;
}

/**
 * What the drill restores and compares the restored stack with: the latest backups' manifests,
 * read once before the drill stack exists; the drill restores exactly these ids. `takenAt` is the
 * manifest's startedAt: a dump holds the data as of its start.
 */
export interface BackupFacts {
    db: { id: string; tables: Record<string, number>; takenAt: string };
    models: { id: string; objects: number; takenAt: string };
}

/** Reads the source's backups and the drill's restored artifacts with the operator's credentials. */
export interface BackupReader {
    latest(location: ObjectLocation): Promise<BackupFacts>;
    countObjects(location: ObjectLocation): Promise<number>;
}

/** A service reached from where the drill runs, e.g. a kubectl port-forward to its in-cluster URL. */
export interface Reached {
    url: string;
    stop(): Promise<void>;
}

export interface DrillOptions {
    from: string;
    keep: boolean;
    now: () => Date;
    workspace: DrWorkspace;
    backups: BackupReader;
    fetch: Fetch;
    reportDir: string;
    /** Override the URLs from the stack outputs (e.g. through a port-forward). */
    detectorUrl?: string;
    mlflowUrl?: string;
    /** How to reach a stack output's in-cluster URL from here (the CLI: a port-forward with the source's cluster credentials); default: as is. */
    reach?: (url: string) => Promise<Reached>;
    progress: (line: string) => void;
    /** Where SIGINT and SIGTERM arrive (default: this process): the drill stops and tears its stack down. */
    signals?: NodeJS.EventEmitter;
}

export interface PhaseResult {
    name: string;
    status: "passed" | "failed";
    /** Seconds from the drill's start to the end of this phase. */
    at: number;
    seconds: number;
    detail?: string;
}

export type Objective = keyof typeof recoveryTimeObjectives;

export interface DrillReport {
    stack: string;
    source: string;
    startedAt: string;
    finishedAt: string;
    status: "passed" | "failed";
    error?: string;
    phases: PhaseResult[];
    rto: { objective: Objective; what: string; limitSeconds: number; actualSeconds?: number; met: boolean }[];
    /** Each restored backup's age when the drill started, against the manual's RPO for its kind. */
    rpo: { kind: "db" | "models"; id: string; takenAt: string; ageSeconds: number; limitSeconds: number; met: boolean }[];
    backup: BackupFacts;
    /** What teardown could not remove, when it failed. */
    left?: string;
    /** destroyed; kept because `--keep` was given; destroy failed (left for an operator); never created. */
    teardown: "destroyed" | "kept" | "destroy failed" | "not created";
}

/** Each RTO, what reaching it means, and the checks that must all be green to reach it. */
export const objectives: { objective: Objective; what: string; checks: string[] }[] = [
    { objective: "modelService", what: "Model service: models restored and detector ready", checks: ["models restored", "detector ready"] },
    { objective: "dataRecovery", what: "Data: database restored, row counts match the manifest", checks: ["database row counts"] },
    {
        objective: "completeSystem",
        what: "Complete system: all health checks green",
        checks: ["models restored", "detector ready", "MLflow ready", "database row counts"],
    },
];

/** The MLflow tables the drill counts through MLflow's REST API, as the db manifest names them. */
export const countedTables = {
    experiments: "public.experiments",
    runs: "public.runs",
    registeredModels: "public.registered_models",
} as const;

/** The prefix MLflow's artifacts live under in the artifact bucket (RestoreJob's MODELS_PREFIX). */
export const artifactPrefix = "mlflow";

/** Where the source keeps its backups, from its config and outputs, before any drill stack exists. */
export function backupLocation(source: ConfigMap, outputs: Record<string, unknown>, sourceStack: string): ObjectLocation {
    const region = (readJson(source, "aws") as { region?: string }).region;
    return { bucket: outputString(outputs, "backupBucket", sourceStack), prefix: sourceStack, ...(region ? { region } : {}) };
}

/** dr-YYYYMMDD-HHMMSS: a valid stack name and, lower-case, a valid namespace. */
export function drStackName(now: Date): string {
    const iso = now.toISOString();
    return `dr-${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

function readJson(config: ConfigMap, key: string): Record<string, unknown> {
    const entry = config[`${project}:${key}`];
    if (!entry) return {};
    try {
        const value = JSON.parse(entry.value) as unknown;
        return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

function outputString(outputs: Record<string, unknown>, key: string, source: string): string {
    const value = outputs[key];
    if (typeof value !== "string" || value === "") throw new UsageError(`source stack ${source} has no ${key} output (deploy it first)`);
    return value;
}

function without(section: Record<string, unknown>, keys: string[]): Record<string, unknown> {
    return Object.fromEntries(Object.entries(section).filter(([key]) => !keys.includes(key)));
}

/**
 * The drill stack's config: the source's, marked `drill` (destroyable, no monitoring of its own),
 * in its own app namespace beside the source's monitoring namespace, running the images the source
 * runs (no build: ECR repository names are per account), with `backups.restore` on the source's
 * backups. Settings the drill profile decides (deletion protection, Object Lock, replica) are
 * dropped from the copy so the profile's defaults apply.
 */
export function drillConfig(
    source: ConfigMap,
    outputs: Record<string, unknown>,
    sourceStack: string,
    drStack: string,
    restoreFrom: { db: string; models: string } | "latest" = "latest",
): ConfigMap {
    const environment = source[`${project}:environment`]?.value;
    if (environment === "local") {
        throw new UsageError(
            `stack ${sourceStack} keeps its backups in its in-cluster object store; the drill restores from S3 (staging, production)`,
        );
    }
    const set = (config: ConfigMap, key: string, value: Record<string, unknown>) => {
        config[`${project}:${key}`] = { value: JSON.stringify(value), secret: source[`${project}:${key}`]?.secret ?? false };
    };
    const config: ConfigMap = { ...source };
    set(config, "drill", { source: sourceStack });
    set(config, "kubernetes", { ...readJson(source, "kubernetes"), appNamespace: drStack });
    set(config, "database", without(readJson(source, "database"), ["deletionProtection"]));

    const backupImage = outputString(outputs, "backupImage", sourceStack);
    const kmsKeyArn = outputs.backupKmsKeyArn;
    set(config, "backups", {
        ...without(readJson(source, "backups"), ["objectLockDays", "replicaRegion"]),
        image: backupImage,
        build: null,
        restore: {
            from: restoreFrom,
            bucket: outputString(outputs, "backupBucket", sourceStack),
            prefix: sourceStack,
            ...(typeof kmsKeyArn === "string" ? { kmsKeyArn } : {}),
        },
    });
    for (const [key, output] of [
        ["detector", "detectorImage"],
        ["mlflow", "mlflowImage"],
    ] as const) {
        set(config, key, { ...readJson(source, key), image: outputString(outputs, output, sourceStack), build: null });
    }
    return config;
}

function formatSeconds(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    if (h > 0) return `${h} h ${Math.round((seconds % 3600) / 60)} min`;
    const m = Math.floor(seconds / 60);
    return m > 0 ? `${m} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(1)} s`;
}

export function markdownReport(report: DrillReport): string {
    const teardown = {
        destroyed: "The drill stack was destroyed.",
        kept: `The drill stack was kept (\`--keep\`): destroy it with \`pulumi destroy -s ${report.stack}\`.`,
        "destroy failed": `Destroying the drill stack failed: it is still there${report.left ? ` (${report.left})` : ""}; destroy it with \`pulumi destroy -s ${report.stack}\` and \`pulumi stack rm ${report.stack}\`.`,
        "not created": "The drill stack was not created: nothing to destroy.",
    }[report.teardown];
    const tables = Object.values(countedTables)
        .map((table) => `${table} ${report.backup.db.tables[table] ?? 0}`)
        .join(", ");
    return [
        `# DR drill ${report.stack}: ${report.status.toUpperCase()}`,
        "",
        `Source stack \`${report.source}\`, started ${report.startedAt}, finished ${report.finishedAt}.`,
        ...(report.error ? ["", `Failure: ${report.error}`] : []),
        "",
        "| Phase | Result | Took | Done at (from start) |",
        "|---|---|---|---|",
        ...report.phases.map(
            (p) => `| ${p.name} | ${p.status}${p.detail ? ` (${p.detail})` : ""} | ${formatSeconds(p.seconds)} | ${formatSeconds(p.at)} |`,
        ),
        "",
        "| Objective | Limit | Measured from start | Met |",
        "|---|---|---|---|",
        ...report.rto.map(
            (r) =>
                `| ${r.what} | ${formatSeconds(r.limitSeconds)} | ${r.actualSeconds === undefined ? "not reached" : formatSeconds(r.actualSeconds)} | ${r.met ? "yes" : "no"} |`,
        ),
        "",
        "| Backup restored | Taken | Age at start | RPO | Met |",
        "|---|---|---|---|---|",
        ...report.rpo.map(
            (r) =>
                `| \`${r.kind}/${r.id}\` | ${r.takenAt} | ${formatSeconds(r.ageSeconds)} | ${formatSeconds(r.limitSeconds)} | ${r.met ? "yes" : "no"} |`,
        ),
        "",
        `Backups restored: \`db/${report.backup.db.id}\` (${tables}), \`models/${report.backup.models.id}\` (${report.backup.models.objects} objects).`,
        "",
        teardown,
        "",
    ].join("\n");
}

/** `<reports>/<stack>.pending`: a drill stack created and not yet torn down (or kept). */
export function pendingMarker(reportDir: string, stack: string): string {
    return join(reportDir, `${stack}.pending`);
}

/** Destroys a drill stack a killed drill left (its `.pending` marker): only a `dr-…` stack whose config marks it a drill. */
export async function destroyLeftDrill(
    workspace: DrWorkspace,
    stack: string,
    reportDir: string,
    progress: (line: string) => void,
): Promise<void> {
    if (!/^dr-\d{8}-\d{6}$/.test(stack)) throw new UsageError(`--destroy: "${stack}" is not a drill stack name (dr-YYYYMMDD-HHMMSS)`);
    const { config } = await workspace.readSource(stack);
    if (!config[`${project}:drill`]) throw new UsageError(`--destroy: stack ${stack} has no drill setting: not a drill stack, left alone`);
    progress(`destroying the drill stack ${stack} a stopped drill left`);
    await workspace.destroy(stack, (line) => progress(`    ${line.trimEnd()}`));
    rmSync(pendingMarker(reportDir, stack), { force: true });
}

/** The manual's RPO for each kind the drill restores. */
const rpoOf = { db: recoveryPointObjectives.database, models: recoveryPointObjectives.modelArtifacts } as const;

/**
 * Runs the drill. Anything that fails before the drill stack is created (an unusable source stack,
 * no backups to restore) throws and writes no report; from then on every outcome is a report, and
 * the stack is torn down after any failure or on SIGINT/SIGTERM (unless --keep).
 */
export async function runDrill(options: DrillOptions): Promise<DrillReport> {
    const started = options.now();
    const stack = drStackName(started);
    const elapsed = () => (options.now().getTime() - started.getTime()) / 1000;
    const progress = (line: string) => options.progress(line);

    // Before the drill starts: the source's config and outputs, and the backups it will restore,
    // pinned by id so that a dump landing meanwhile cannot split what is restored from what is checked.
    const source = await options.workspace.readSource(options.from);
    const location = backupLocation(source.config, source.outputs, options.from);
    // Refuses an unusable source (a local stack, missing outputs) before reading any backup.
    drillConfig(source.config, source.outputs, options.from, stack);
    let backup: BackupFacts;
    try {
        backup = await options.backups.latest(location);
    } catch (error) {
        throw new CheckFailedError(`no backup of ${options.from} to restore: ${(error as Error).message.split("\n")[0]}`);
    }
    const config = drillConfig(source.config, source.outputs, options.from, stack, { db: backup.db.id, models: backup.models.id });
    progress(`drill ${stack} of ${options.from}: restoring db/${backup.db.id} and models/${backup.models.id}`);

    const phases: PhaseResult[] = [];
    const rpo = (["db", "models"] as const).map((kind) => {
        const ageSeconds = (started.getTime() - Date.parse(backup[kind].takenAt)) / 1000;
        return {
            kind,
            id: backup[kind].id,
            takenAt: backup[kind].takenAt,
            ageSeconds,
            limitSeconds: rpoOf[kind],
            met: ageSeconds <= rpoOf[kind],
        };
    });
    const report: DrillReport = {
        stack,
        source: options.from,
        startedAt: started.toISOString(),
        finishedAt: "",
        status: "passed",
        phases,
        rto: [],
        rpo,
        backup,
        teardown: "kept",
    };

    // SIGINT/SIGTERM (a cancelled job, Ctrl-C) stop the drill where it is; teardown still runs.
    const interrupt = new AbortController();
    const signals = options.signals ?? process;
    const onSignal = (signal: NodeJS.Signals) => {
        if (interrupt.signal.aborted) return progress(`${signal}: already stopping; the drill stack is being torn down`);
        progress(`${signal}: stopping the drill; tearing down ${stack}`);
        interrupt.abort(new Error(`interrupted by ${signal}`));
    };
    signals.on("SIGINT", onSignal);
    signals.on("SIGTERM", onSignal);
    const interrupted = new Promise<never>((_, reject) =>
        interrupt.signal.addEventListener("abort", () => reject(interrupt.signal.reason as Error), { once: true }),
    );
    interrupted.catch(() => undefined);

    const names = [
        "create stack",
        "deploy and restore",
        "models restored",
        "detector ready",
        "MLflow ready",
        "database row counts",
        "destroy",
    ];
    const phase = async <T>(name: string, run: () => Promise<T>, detail?: (value: T) => string, interruptible = true): Promise<T> => {
        const step = `[${names.indexOf(name) + 1}/${names.length}] ${name}`;
        progress(`${step} ...`);
        const t0 = elapsed();
        try {
            const value = interruptible ? await Promise.race([run(), interrupted]) : await run();
            const at = elapsed();
            phases.push({ name, status: "passed", at, seconds: at - t0, ...(detail ? { detail: detail(value) } : {}) });
            progress(`${step}: ok in ${formatSeconds(at - t0)}`);
            return value;
        } catch (error) {
            const at = elapsed();
            // A cancelled CLI call fails with its own words; the reason is the signal.
            const cause = interruptible && interrupt.signal.aborted ? (interrupt.signal.reason as Error) : (error as Error);
            const message = cause.message.split("\n")[0]!;
            phases.push({ name, status: "failed", at, seconds: at - t0, detail: message });
            progress(`${step}: FAILED after ${formatSeconds(at - t0)}: ${message}`);
            throw new Error(`${name}: ${message}`, { cause: error });
        }
    };
    const stream = (line: string) => progress(`    ${line.trimEnd()}`);

    let created = false;
    const reached: Reached[] = [];
    try {
        await phase("create stack", async () => {
            await options.workspace.initStack(stack, source);
            // From here on the stack exists: any failure, even of its config, tears it down. The
            // marker names it for `--destroy` when this process is killed before its teardown ends
            // (a cancelled CI job is killed seconds after its SIGTERM).
            created = true;
            mkdirSync(options.reportDir, { recursive: true });
            writeFileSync(pendingMarker(options.reportDir, stack), `${stack}\n`);
            await options.workspace.configure(stack, source, config);
        });
        const outputs = await phase("deploy and restore", () => options.workspace.up(stack, options.from, stream, interrupt.signal));
        const artifacts = {
            bucket: outputString(outputs, "artifactBucket", stack),
            prefix: artifactPrefix,
            ...(location.region ? { region: location.region } : {}),
        };
        await phase(
            "models restored",
            async () => {
                const objects = await options.backups.countObjects(artifacts);
                if (objects !== backup.models.objects) {
                    throw new Error(
                        `s3://${artifacts.bucket}/${artifactPrefix}/ holds ${objects} objects, models/${backup.models.id} has ${backup.models.objects}`,
                    );
                }
                return objects;
            },
            (n) => `${n} objects`,
        );
        const reach = async (override: string | undefined, output: string) => {
            if (override !== undefined) return override;
            const url = outputString(outputs, output, stack);
            if (!options.reach) return url;
            const forward = await options.reach(url);
            reached.push(forward);
            return forward.url;
        };
        await phase("detector ready", async () =>
            expectHealthy(options.fetch, `${await reach(options.detectorUrl, "detectorUrl")}/health`, "detector"),
        );
        const mlflowUrl = await phase("MLflow ready", async () => {
            const url = await reach(options.mlflowUrl, "mlflowUrl");
            await expectHealthy(options.fetch, `${url}/health`, "MLflow");
            return url;
        });
        await phase(
            "database row counts",
            async () => {
                const counts = await mlflowCounts(options.fetch, mlflowUrl);
                const differences = (Object.keys(countedTables) as (keyof typeof countedTables)[])
                    .filter((key) => counts[key] !== (backup.db.tables[countedTables[key]] ?? 0))
                    .map((key) => `${countedTables[key]} ${counts[key]}, expected ${backup.db.tables[countedTables[key]] ?? 0}`);
                if (differences.length > 0) throw new Error(`restored MLflow differs from db/${backup.db.id}: ${differences.join("; ")}`);
                return counts;
            },
            (c) => `${c.experiments} experiments, ${c.runs} runs, ${c.registeredModels} registered models`,
        );
    } catch (error) {
        report.status = "failed";
        report.error = (error as Error).message;
    } finally {
        await Promise.all(reached.map((r) => r.stop().catch(() => undefined)));
    }

    // Each objective is reached when the last of its checks went green, measured from the start.
    report.rto = objectives.map(({ objective, what, checks }) => {
        const passed = checks.map((name) => phases.find((p) => p.name === name && p.status === "passed"));
        const actualSeconds = passed.every(Boolean) ? Math.max(...passed.map((p) => p!.at)) : undefined;
        const limitSeconds = recoveryTimeObjectives[objective];
        return {
            objective,
            what,
            limitSeconds,
            ...(actualSeconds !== undefined ? { actualSeconds } : {}),
            met: actualSeconds !== undefined && actualSeconds <= limitSeconds,
        };
    });
    const missed = [
        ...report.rto.filter((r) => !r.met).map((r) => `RTO missed: ${r.what}`),
        ...report.rpo
            .filter((r) => !r.met)
            .map(
                (r) =>
                    `RPO missed: ${r.kind}/${r.id} was taken ${formatSeconds(r.ageSeconds)} before the drill (RPO ${formatSeconds(r.limitSeconds)})`,
            ),
    ];
    if (report.status === "passed" && missed.length > 0) {
        report.status = "failed";
        report.error = missed.join("; ");
    } else if (report.status === "failed" && report.rpo.some((r) => !r.met)) {
        report.error = [report.error, ...missed.filter((m) => m.startsWith("RPO"))].join("; ");
    }

    if (created && !options.keep) {
        try {
            // Not interruptible: a second signal must not leave the stack half destroyed.
            await phase("destroy", () => options.workspace.destroy(stack, stream), undefined, false);
            report.teardown = "destroyed";
        } catch (error) {
            report.status = "failed";
            report.teardown = "destroy failed";
            report.left = `stack ${stack}: ${(error as Error).message.split("\n")[0]}`;
            report.error = [report.error, (error as Error).message].filter(Boolean).join("; ");
            progress(`LEFT BEHIND: ${report.left}; destroy it with pulumi destroy -s ${stack} && pulumi stack rm ${stack}`);
        }
    } else if (!created) {
        report.teardown = "not created";
    }
    signals.off("SIGINT", onSignal);
    signals.off("SIGTERM", onSignal);
    if (report.teardown !== "destroy failed") rmSync(pendingMarker(options.reportDir, stack), { force: true });
    report.finishedAt = options.now().toISOString();

    mkdirSync(options.reportDir, { recursive: true });
    writeFileSync(join(options.reportDir, `${stack}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(options.reportDir, `${stack}.md`), markdownReport(report));
    return report;
}
