// The quarterly DR test of the manual, automated: a fresh stack from the source stack's config,
// restored from its latest backups, checked, timed against the RTOs, reported, destroyed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectHealthy, mlflowCounts, type Fetch } from "./checks";
import type { ConfigMap, DrWorkspace } from "./workspace";

export const project = "pneumonia-platform";

/** The manual's recovery time objectives, in seconds. */
export const rtos = {
    modelService: 30 * 60,
    system: 2 * 3600,
    data: 4 * 3600,
} as const;

/** What the drill needs from the latest database backup's manifest. */
export interface BackupFacts {
    id: string;
    experiments: number;
    runs: number;
}

export type ManifestReader = (location: { bucket: string; prefix: string; region?: string }) => Promise<BackupFacts>;

export interface DrillOptions {
    from: string;
    keep: boolean;
    now: () => Date;
    workspace: DrWorkspace;
    readManifest: ManifestReader;
    fetch: Fetch;
    reportDir: string;
    /** Override the URLs from the stack outputs (e.g. through a port-forward). */
    detectorUrl?: string;
    mlflowUrl?: string;
    progress: (line: string) => void;
}

export interface PhaseResult {
    name: string;
    status: "passed" | "failed" | "skipped";
    seconds: number;
    detail?: string;
}

export interface DrillReport {
    stack: string;
    source: string;
    startedAt: string;
    finishedAt: string;
    status: "passed" | "failed";
    error?: string;
    phases: PhaseResult[];
    rto: { objective: string; limitSeconds: number; actualSeconds?: number; met: boolean }[];
    backup?: BackupFacts;
    restored?: { experiments: number; runs: number };
    destroyed: boolean;
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
    if (typeof value !== "string" || value === "") throw new Error(`source stack ${source} has no ${key} output (deploy it first)`);
    return value;
}

/**
 * The DR stack's config: the source's, in its own namespaces, running the images the source runs
 * (no rebuild, no second ECR repository), with `backups.restore` pointing at the source's backups.
 */
export function drillConfig(source: ConfigMap, outputs: Record<string, unknown>, sourceStack: string, drStack: string): ConfigMap {
    const environment = source[`${project}:environment`]?.value;
    if (environment === "local") {
        throw new Error(`stack ${sourceStack} keeps its backups in its in-cluster object store; the drill restores from S3 (staging, production)`);
    }
    const set = (config: ConfigMap, key: string, value: Record<string, unknown>) => {
        config[`${project}:${key}`] = { value: JSON.stringify(value), secret: source[`${project}:${key}`]?.secret ?? false };
    };
    const config: ConfigMap = { ...source };
    const kubernetes = readJson(source, "kubernetes");
    set(config, "kubernetes", { ...kubernetes, appNamespace: drStack, monitoringNamespace: `${drStack}-monitoring` });

    // The DR stack runs the images the source runs: `build: null` turns off the per-environment
    // default builds, which would also collide with the source's ECR repositories.
    const backups = readJson(source, "backups");
    const backupImage = outputs.backupImage;
    const kmsKeyArn = outputs.backupKmsKeyArn;
    set(config, "backups", {
        ...backups,
        ...(typeof backupImage === "string" ? { image: backupImage, build: null } : {}),
        restore: {
            from: "latest",
            bucket: outputString(outputs, "backupBucket", sourceStack),
            prefix: sourceStack,
            ...(typeof kmsKeyArn === "string" ? { kmsKeyArn } : {}),
        },
    });
    for (const [key, output] of [["detector", "detectorImage"], ["mlflow", "mlflowImage"]] as const) {
        const image = outputs[output];
        if (typeof image === "string") set(config, key, { ...readJson(source, key), image, build: null });
    }
    return config;
}

function formatSeconds(seconds: number): string {
    const m = Math.floor(seconds / 60);
    return m > 0 ? `${m} min ${Math.round(seconds % 60)} s` : `${seconds.toFixed(1)} s`;
}

export function markdownReport(report: DrillReport): string {
    const lines = [
        `# DR drill ${report.stack}: ${report.status.toUpperCase()}`,
        "",
        `Source stack \`${report.source}\`, started ${report.startedAt}, finished ${report.finishedAt}.`,
        ...(report.error ? ["", `Failure: ${report.error}`] : []),
        "",
        "| Phase | Result | Time |",
        "|---|---|---|",
        ...report.phases.map((p) => `| ${p.name} | ${p.status}${p.detail ? ` (${p.detail})` : ""} | ${formatSeconds(p.seconds)} |`),
        "",
        "| Objective | Limit | Measured | Met |",
        "|---|---|---|---|",
        ...report.rto.map((r) => `| ${r.objective} | ${formatSeconds(r.limitSeconds)} | ${r.actualSeconds === undefined ? "not reached" : formatSeconds(r.actualSeconds)} | ${r.met ? "yes" : "no"} |`),
        "",
        report.backup
            ? `Backup \`db/${report.backup.id}\`: ${report.backup.experiments} experiments, ${report.backup.runs} runs; restored MLflow: ${report.restored ? `${report.restored.experiments} experiments, ${report.restored.runs} runs` : "not checked"}.`
            : "Backup manifest not read.",
        "",
        report.destroyed ? "The drill stack was destroyed." : `The drill stack was kept (\`--keep\`): destroy it with \`pulumi destroy -s ${report.stack}\`.`,
        "",
    ];
    return lines.join("\n");
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
    const started = options.now();
    const stack = drStackName(started);
    const elapsed = () => (options.now().getTime() - started.getTime()) / 1000;
    const phases: PhaseResult[] = [];
    const reached: Partial<Record<keyof typeof rtos, number>> = {};
    const report: DrillReport = { stack, source: options.from, startedAt: started.toISOString(), finishedAt: "", status: "passed", phases, rto: [], destroyed: false };
    let created = false;
    const names = ["read source stack", "create stack", "deploy and restore", "detector /health", "MLflow /health", "experiment and run counts", "destroy"];
    const phase = async <T>(name: string, run: () => Promise<T>, detail?: (value: T) => string): Promise<T> => {
        const index = names.indexOf(name) + 1;
        options.progress(`[${index}/${names.length}] ${name} ...`);
        const t0 = options.now().getTime();
        try {
            const value = await run();
            const seconds = (options.now().getTime() - t0) / 1000;
            phases.push({ name, status: "passed", seconds, ...(detail ? { detail: detail(value) } : {}) });
            options.progress(`[${index}/${names.length}] ${name}: ok in ${formatSeconds(seconds)}`);
            return value;
        } catch (error) {
            const seconds = (options.now().getTime() - t0) / 1000;
            const message = (error as Error).message.split("\n")[0];
            phases.push({ name, status: "failed", seconds, detail: message });
            options.progress(`[${index}/${names.length}] ${name}: FAILED after ${formatSeconds(seconds)}: ${message}`);
            throw new Error(`${name}: ${message}`);
        }
    };

    try {
        const config = await phase(
            "read source stack",
            async () => {
                const source = await options.workspace.readSource(options.from);
                const drConfig = drillConfig(source.config, source.outputs, options.from, stack);
                const restore = JSON.parse(drConfig[`${project}:backups`].value).restore as { bucket: string; prefix: string };
                const region = (JSON.parse(drConfig[`${project}:aws`]?.value ?? "{}") as { region?: string }).region;
                report.backup = await options.readManifest({ bucket: restore.bucket, prefix: restore.prefix, region });
                return drConfig;
            },
            () => `latest backup db/${report.backup!.id}`,
        );
        await phase("create stack", async () => {
            await options.workspace.createStack(stack, config);
            created = true;
        });
        const outputs = await phase("deploy and restore", () => options.workspace.up(stack, (line) => options.progress(`    ${line.trimEnd()}`)));
        const detectorUrl = options.detectorUrl ?? outputString(outputs, "detectorUrl", stack);
        const mlflowUrl = options.mlflowUrl ?? outputString(outputs, "mlflowUrl", stack);
        await phase("detector /health", () => expectHealthy(options.fetch, `${detectorUrl}/health`, "detector"));
        reached.modelService = elapsed();
        await phase("MLflow /health", () => expectHealthy(options.fetch, `${mlflowUrl}/health`, "MLflow"));
        const backup = report.backup!;
        report.restored = await phase(
            "experiment and run counts",
            async () => {
                const counts = await mlflowCounts(options.fetch, mlflowUrl);
                if (counts.experiments !== backup.experiments || counts.runs !== backup.runs) {
                    throw new Error(
                        `MLflow has ${counts.experiments} experiments and ${counts.runs} runs, backup db/${backup.id} has ${backup.experiments} and ${backup.runs}`,
                    );
                }
                return counts;
            },
            (c) => `${c.experiments} experiments, ${c.runs} runs`,
        );
        reached.data = elapsed();
        reached.system = elapsed();
    } catch (error) {
        report.status = "failed";
        report.error = (error as Error).message;
    }

    if (created && !options.keep) {
        try {
            await phase("destroy", () => options.workspace.destroy(stack, (line) => options.progress(`    ${line.trimEnd()}`)));
            report.destroyed = true;
        } catch (error) {
            report.status = "failed";
            report.error = [report.error, (error as Error).message].filter(Boolean).join("; ");
        }
    }

    report.rto = [
        { objective: "Model service (detector healthy)", key: "modelService" as const },
        { objective: "Complete system (all checks passed)", key: "system" as const },
        { objective: "Data (MLflow matches the backup)", key: "data" as const },
    ].map(({ objective, key }) => ({
        objective,
        limitSeconds: rtos[key],
        ...(reached[key] !== undefined ? { actualSeconds: reached[key] } : {}),
        met: reached[key] !== undefined && reached[key]! <= rtos[key],
    }));
    if (report.status === "passed" && report.rto.some((r) => !r.met)) {
        report.status = "failed";
        report.error = `RTO missed: ${report.rto.filter((r) => !r.met).map((r) => r.objective).join(", ")}`;
    }
    report.finishedAt = options.now().toISOString();

    mkdirSync(options.reportDir, { recursive: true });
    writeFileSync(join(options.reportDir, `${stack}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(options.reportDir, `${stack}.md`), markdownReport(report));
    return report;
}
