// The DR drill against a workspace double derived from the real plans (planned-workspace.ts), a
// fake detector and MLflow on 127.0.0.1, and a test clock that every step moves forward, so that
// each RTO is its own timestamp from the drill's start.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recoveryTimeObjectives } from "../../../infra/observability/objectives";
import { CheckFailedError, UsageError } from "../../../src/cli/command";
import {
    destroyLeftDrill,
    drillConfig,
    drStackName,
    project,
    runDrill,
    type BackupFacts,
    type BackupReader,
    type DrillOptions,
} from "../../../src/dr/drill";
import type { ConfigMap } from "../../../src/dr/workspace";
import type { Plan } from "../../../src/plan/run";
import { plan } from "../../helpers/plan";
import { PlannedWorkspace } from "./planned-workspace";
import { EventEmitter } from "node:events";
import { drillPolicyConfig } from "../../../src/dr/policy";
import { loadStackConfig, reconcileConfig } from "../../../src/policy/config";
import { pack } from "../../../src/policy/pack";
import { checkResources, planResources } from "../../../src/policy/run";

/** A clock the double, the reader and the fake services move forward. */
class Clock {
    t = Date.parse("2026-11-27T21:00:00Z");
    now = () => new Date(this.t);
    advance(seconds: number) {
        this.t += seconds * 1000;
    }
}

const backup: BackupFacts = {
    db: {
        id: "20261127T011500Z-abcd",
        tables: { "public.experiments": 3, "public.runs": 12, "public.registered_models": 2, "public.metrics": 400 },
        takenAt: "2026-11-27T01:15:00.000Z",
    },
    models: { id: "20261127T014500Z-beef", objects: 57, takenAt: "2026-11-27T01:45:00.000Z" },
};

describe("dr-drill", function () {
    this.timeout(60_000);
    let server: Server;
    let base: string;
    let clock: Clock;
    const state = { detectorStatus: 200, experiments: 3, runsPerExperiment: 4, registeredModels: 2, restoredObjects: 57 };
    let reportDir: string;
    let production: Plan;

    before(async () => {
        production = await plan("production");
        server = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const json = (value: unknown) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(value));
                if (req.url === "/detector/health") {
                    clock.advance(30);
                    return res.writeHead(state.detectorStatus).end();
                }
                if (req.url === "/mlflow/health") {
                    clock.advance(30);
                    return res.writeHead(200).end("OK");
                }
                if (req.url === "/mlflow/api/2.0/mlflow/experiments/search") {
                    clock.advance(60);
                    const request = JSON.parse(body);
                    assert.equal(request.view_type, "ALL");
                    // Two pages, to exercise pagination.
                    const all = Array.from({ length: state.experiments }, (_, i) => ({ experiment_id: String(i) }));
                    return request.page_token
                        ? json({ experiments: all.slice(2) })
                        : json({ experiments: all.slice(0, 2), next_page_token: all.length > 2 ? "p2" : "" });
                }
                if (req.url === "/mlflow/api/2.0/mlflow/runs/search") {
                    const request = JSON.parse(body);
                    assert.equal(request.run_view_type, "ALL");
                    return json({
                        runs: request.experiment_ids.flatMap(() => Array.from({ length: state.runsPerExperiment }, () => ({}))),
                    });
                }
                if (req.url?.startsWith("/mlflow/api/2.0/mlflow/registered-models/search?") && req.method === "GET") {
                    clock.advance(60);
                    return json({ registered_models: Array.from({ length: state.registeredModels }, (_, i) => ({ name: `m${i}` })) });
                }
                return res.writeHead(404).end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
        Object.assign(state, { detectorStatus: 200, experiments: 3, runsPerExperiment: 4, registeredModels: 2, restoredObjects: 57 });
        reportDir = mkdtempSync(join(tmpdir(), "dr-reports-"));
        clock = new Clock();
    });
    afterEach(() => rmSync(reportDir, { recursive: true, force: true }));

    function setup(
        options: {
            upSeconds?: number;
            alter?: (config: ConfigMap) => ConfigMap;
            sourceConfig?: ConfigMap;
            keep?: boolean;
            duringUp?: () => void;
            configureFails?: string;
            facts?: BackupFacts;
        } = {},
    ) {
        const workspace = new PlannedWorkspace(production, {
            duringUp: () => {
                clock.advance(options.upSeconds ?? 20 * 60);
                options.duringUp?.();
            },
            ...(options.alter ? { alter: options.alter } : {}),
            ...(options.sourceConfig ? { sourceConfig: options.sourceConfig } : {}),
            ...(options.configureFails ? { configureFails: options.configureFails } : {}),
        });
        const reads: string[] = [];
        const backups: BackupReader = {
            async latest(location) {
                reads.push(`latest s3://${location.bucket}/${location.prefix}`);
                return options.facts ?? backup;
            },
            async countObjects(location) {
                reads.push(`count s3://${location.bucket}/${location.prefix}`);
                clock.advance(60);
                return state.restoredObjects;
            },
        };
        const progress: string[] = [];
        const drillOptions: DrillOptions = {
            from: "production",
            keep: options.keep ?? false,
            now: clock.now,
            workspace,
            backups,
            fetch,
            reportDir,
            detectorUrl: `${base}/detector`,
            mlflowUrl: `${base}/mlflow`,
            progress: (line) => progress.push(line),
        };
        return { workspace, progress, reads, options: drillOptions };
    }

    const rtoOf = (report: Awaited<ReturnType<typeof runDrill>>) =>
        Object.fromEntries(report.rto.map((r) => [r.objective, [r.actualSeconds, r.met]]));

    it("deploys the drill beside production, restores, checks, times each RTO from the start, reports and destroys", async () => {
        const { workspace, progress, reads, options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "passed", report.error);
        assert.equal(report.stack, "dr-20261127-210000");
        assert.deepEqual(workspace.calls, [
            "create dr-20261127-210000",
            "configure dr-20261127-210000",
            "up dr-20261127-210000",
            "destroy dr-20261127-210000",
        ]);
        assert.equal(report.teardown, "destroyed");
        // The source's backups, read-only, and the drill's own artifact bucket after the restore.
        assert.deepEqual(reads, [
            `latest s3://${production.outputs.backupBucket}/production`,
            `count s3://${workspace.drill!.outputs.artifactBucket}/mlflow`,
        ]);
        // up 20 min; models counted +60 s; detector +30 s; MLflow +30 s; two pages of experiments +120 s, registered models +60 s.
        assert.deepEqual(rtoOf(report), {
            modelService: [1200 + 60 + 30, true],
            dataRecovery: [1200 + 60 + 30 + 30 + 180, true],
            completeSystem: [1200 + 60 + 30 + 30 + 180, true],
        });
        assert.deepEqual(
            report.rto.map((r) => r.limitSeconds),
            [recoveryTimeObjectives.modelService, recoveryTimeObjectives.dataRecovery, recoveryTimeObjectives.completeSystem],
        );
        assert.deepEqual(
            progress.filter((l) => /: ok in/.test(l)).map((l) => l.replace(/: ok in .*/, "")),
            [
                "[1/7] create stack",
                "[2/7] deploy and restore",
                "[3/7] models restored",
                "[4/7] detector ready",
                "[5/7] MLflow ready",
                "[6/7] database row counts",
                "[7/7] destroy",
            ],
        );
        const json = JSON.parse(readFileSync(join(reportDir, "dr-20261127-210000.json"), "utf8"));
        assert.equal(json.status, "passed");
        const markdown = readFileSync(join(reportDir, "dr-20261127-210000.md"), "utf8");
        assert.match(markdown, /^# DR drill dr-20261127-210000: PASSED/);
        assert.match(markdown, /\| deploy and restore \| passed \| 20 min 0 s \| 20 min 0 s \|/);
        assert.match(markdown, /\| Model service: models restored and detector ready \| 30 min 0 s \| 21 min 30 s \| yes \|/);
        assert.match(markdown, /The drill stack was destroyed\./);
        assert.doesNotMatch(markdown, /--keep/);
    });

    it("hands the drill stack the drill profile: source config, own app namespace, the source's monitoring and images, restore from the source", async () => {
        const { workspace, options } = setup();
        await runDrill(options);
        const config = drillConfig(
            {
                [`${project}:environment`]: { value: "production", secret: false },
                [`${project}:databasePassword`]: { value: "s3cret", secret: true },
            },
            production.outputs,
            "production",
            "dr-20261127-210000",
        );
        assert.deepEqual(config[`${project}:databasePassword`], { value: "s3cret", secret: true }, "secrets stay secrets");
        const drill = workspace.drill!;
        assert.deepEqual(drill.config.drill, { source: "production" });
        assert.equal((drill.config.kubernetes as any).appNamespace, "dr-20261127-210000");
        // The source's monitoring is shared: the drill creates its app namespace only, and points at the source's Prometheus.
        assert.deepEqual(
            drill.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.inputs as any).metadata.name),
            ["dr-20261127-210000"],
        );
        assert.equal(drill.outputs.prometheusUrl, production.outputs.prometheusUrl);
        assert.deepEqual((drill.config.backups as any).restore, {
            from: { db: backup.db.id, models: backup.models.id },
            bucket: production.outputs.backupBucket,
            prefix: "production",
            kmsKeyArn: production.outputs.backupKmsKeyArn,
        });
        const images = drill.resources
            .filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:argoproj.io/v1alpha1:Rollout")
            .map((r) => (r.inputs as any).spec.template.spec.containers[0].image);
        assert.ok(images.includes(production.outputs.detectorImage) && images.includes(production.outputs.mlflowImage));
        assert.equal(
            drill.resources.some((r) => r.type === "docker:index/image:Image" || r.type === "aws:ecr/repository:Repository"),
            false,
            "builds nothing",
        );
    });

    it("the old design (production's config copied into new namespaces) fails up on names the source holds and cannot be destroyed", async () => {
        // What the drill used to create: the source's profile (protected, deletion-protected, Object
        // Lock, no forceDestroy) and its own monitoring stack in the same cluster.
        const oldDesign = (config: ConfigMap): ConfigMap => {
            const { [`${project}:drill`]: _drill, ...rest } = config;
            const kubernetes = JSON.parse(rest[`${project}:kubernetes`]!.value);
            return {
                ...rest,
                [`${project}:kubernetes`]: {
                    value: JSON.stringify({ ...kubernetes, monitoringNamespace: "dr-20261127-210000-monitoring" }),
                    secret: false,
                },
            };
        };
        const { workspace, options } = setup({ alter: oldDesign });
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.match(
            report.error!,
            /^deploy and restore: \d+ resources failed: .*helm release \(cluster-wide objects\) kube-prometheus-stack already exists/,
        );
        assert.match(report.error!, /host port 9100 already exists/);
        assert.match(report.error!, /; destroy: .*protected: pulumi destroy fails on it/);
        assert.equal(report.teardown, "destroy failed");
        assert.deepEqual(workspace.destroyed, []);
        assert.equal(existsSync(join(reportDir, `${report.stack}.pending`)), true, "the stack left is still marked");
        const markdown = readFileSync(join(reportDir, `${report.stack}.md`), "utf8");
        assert.match(
            markdown,
            /Destroying the drill stack failed: it is still there \(stack dr-20261127-210000: destroy: \S+::artifacts: protected: pulumi destroy fails on it\); destroy it with `pulumi destroy -s dr-20261127-210000` and `pulumi stack rm dr-20261127-210000`/,
        );
        assert.match(report.left!, /^stack dr-20261127-210000: destroy: .*protected/);
        assert.doesNotMatch(markdown, /--keep/, "never claims --keep when it was not given");
        assert.deepEqual(rtoOf(report), {
            modelService: [undefined, false],
            dataRecovery: [undefined, false],
            completeSystem: [undefined, false],
        });
    });

    it("keeps the stack with --keep and says so", async () => {
        const { workspace, options } = setup({ keep: true });
        const report = await runDrill(options);
        assert.equal(report.status, "passed");
        assert.equal(report.teardown, "kept");
        assert.equal(
            workspace.calls.some((c) => c.startsWith("destroy")),
            false,
        );
        assert.match(
            readFileSync(join(reportDir, `${report.stack}.md`), "utf8"),
            /kept \(`--keep`\): destroy it with `pulumi destroy -s dr-20261127-210000`/,
        );
    });

    it("fails when a table's row count differs from the db manifest, reaches no data RTO, and still destroys", async () => {
        state.runsPerExperiment = 3;
        const { workspace, options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(
            report.error,
            "database row counts: restored MLflow differs from db/20261127T011500Z-abcd: public.runs 9, expected 12",
        );
        assert.deepEqual(workspace.destroyed, [report.stack]);
        assert.deepEqual(rtoOf(report), {
            modelService: [1290, true],
            dataRecovery: [undefined, false],
            completeSystem: [undefined, false],
        });
    });

    it("fails when the restored artifacts do not match the models manifest: no model-service RTO", async () => {
        state.restoredObjects = 0;
        const { options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.match(report.error!, /^models restored: s3:\/\/\S+\/mlflow\/ holds 0 objects, models\/20261127T014500Z-beef has 57$/);
        assert.equal(
            report.rto.every((r) => !r.met && r.actualSeconds === undefined),
            true,
        );
        assert.equal(report.phases.at(-1)!.name, "destroy");
    });

    it("fails on an unhealthy detector", async () => {
        state.detectorStatus = 503;
        const { options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.match(report.error!, /^detector ready: detector http:\/\/127\.0\.0\.1:\d+\/detector\/health: HTTP 503, expected 200$/);
        assert.deepEqual(
            report.rto.map((r) => r.met),
            [false, false, false],
        );
    });

    it("fails when the model service is ready too late for its RTO, though data and system are in time", async () => {
        const { options } = setup({ upSeconds: 45 * 60 });
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "RTO missed: Model service: models restored and detector ready");
        assert.deepEqual(
            report.rto.map((r) => r.met),
            [false, true, true],
        );
        assert.equal(report.teardown, "destroyed");
    });

    it("writes no report when the drill never started: local source, or no backup to restore", async () => {
        const local = setup({ sourceConfig: { [`${project}:environment`]: { value: "local", secret: false } } });
        await assert.rejects(
            runDrill(local.options),
            (e: Error) => e instanceof UsageError && /^stack production keeps its backups in its in-cluster object store/.test(e.message),
        );
        assert.deepEqual(local.workspace.calls, []);

        const empty = setup();
        empty.options.backups = {
            latest: async () => Promise.reject(new Error("reading latest db pointer s3://b/production/db/latest.json: NoSuchKey")),
            countObjects: async () => 0,
        };
        await assert.rejects(
            runDrill(empty.options),
            (e: Error) => e instanceof CheckFailedError && /^no backup of production to restore: reading latest db pointer/.test(e.message),
        );
        assert.deepEqual(empty.workspace.calls, []);
        assert.deepEqual(readdirSync(reportDir), []);
        assert.throws(
            () => drillConfig({}, {}, "production", "dr-x"),
            /source stack production has no backupImage output \(deploy it first\)/,
        );
    });

    it("restores exactly the backups it read before creating the stack (a dump landing meanwhile changes nothing), and reports their age against the RPO", async () => {
        const { workspace, reads, options } = setup();
        const report = await runDrill(options);
        assert.equal(reads.filter((r) => r.startsWith("latest")).length, 1, "the manifests are read once, before the stack exists");
        // The restore Job the drill plan runs (infra/backups/restore.ts): `--from <id>`, never `latest`.
        const restoreArgs = workspace
            .drill!.resources.filter((r) => r.type === "kubernetes:batch/v1:Job")
            .flatMap((r) => [
                ...((r.inputs as any).spec.template.spec.initContainers ?? []),
                ...(r.inputs as any).spec.template.spec.containers,
            ])
            .map((c: { args?: string[] }) => (c.args ?? []).join(" "))
            .filter((a: string) => / --from /.test(a));
        assert.deepEqual(restoreArgs.sort(), [`db-restore --from ${backup.db.id}`, `models-restore --from ${backup.models.id}`]);
        assert.deepEqual(
            report.rpo.map((r) => [r.kind, r.id, r.ageSeconds, r.met]),
            [
                ["db", backup.db.id, 19 * 3600 + 45 * 60, true],
                ["models", backup.models.id, 19 * 3600 + 15 * 60, true],
            ],
        );
        assert.match(
            readFileSync(join(reportDir, `${report.stack}.md`), "utf8"),
            /\| `db\/20261127T011500Z-abcd` \| 2026-11-27T01:15:00.000Z \| 19 h 45 min \| 24 h 0 min \| yes \|/,
        );
    });

    it("fails the drill when the restored backup is older than the manual's RPO for its kind", async () => {
        const stale: BackupFacts = { ...backup, db: { ...backup.db, id: "20261126T011500Z-0ld1", takenAt: "2026-11-26T01:15:00.000Z" } };
        const { options } = setup({ facts: stale });
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "RPO missed: db/20261126T011500Z-0ld1 was taken 43 h 45 min before the drill (RPO 24 h 0 min)");
        assert.deepEqual(
            report.rpo.map((r) => r.met),
            [false, true],
        );
        assert.equal(report.teardown, "destroyed");
    });

    it("on SIGTERM during the deploy: stops, destroys the drill stack, reports the interruption, and removes its handlers", async () => {
        const signals = new EventEmitter();
        const { workspace, progress, options } = setup({ duringUp: () => void signals.emit("SIGTERM", "SIGTERM") });
        options.signals = signals;
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "deploy and restore: interrupted by SIGTERM");
        assert.deepEqual(workspace.calls.slice(-1), [`destroy ${report.stack}`]);
        assert.equal(report.teardown, "destroyed");
        assert.ok(progress.includes(`SIGTERM: stopping the drill; tearing down ${report.stack}`), progress.join("\n"));
        assert.equal(signals.listenerCount("SIGTERM") + signals.listenerCount("SIGINT"), 0);
    });

    it("marks a created drill stack <reports>/<stack>.pending until its teardown ends, and keeps the mark when destroy failed", async () => {
        let markedDuringUp = false;
        const ok = setup({ duringUp: () => void (markedDuringUp = existsSync(join(reportDir, "dr-20261127-210000.pending"))) });
        await runDrill(ok.options);
        assert.equal(markedDuringUp, true);
        assert.equal(existsSync(join(reportDir, "dr-20261127-210000.pending")), false);
    });

    it("--destroy removes a drill stack a killed drill left, and refuses any other stack", async () => {
        const { workspace, progress } = setup();
        const drillSource = { [`${project}:drill`]: { value: JSON.stringify({ source: "production" }), secret: false } };
        const left = {
            ...workspace,
            readSource: async (stack: string) => ({ name: stack, config: drillSource, outputs: {}, secretsProvider: "default" }),
            destroy: workspace.destroy.bind(workspace),
        };
        await destroyLeftDrill(left as never, "dr-20261127-210000", reportDir, (l) => progress.push(l));
        assert.deepEqual(workspace.calls, ["destroy dr-20261127-210000"]);
        await assert.rejects(
            destroyLeftDrill(left as never, "production", reportDir, () => undefined),
            /--destroy: "production" is not a drill stack name/,
        );
        const notDrill = {
            ...left,
            readSource: async (stack: string) => ({ name: stack, config: {}, outputs: {}, secretsProvider: "default" }),
        };
        await assert.rejects(
            destroyLeftDrill(notDrill as never, "dr-20261127-210000", reportDir, () => undefined),
            /stack dr-20261127-210000 has no drill setting: not a drill stack, left alone/,
        );
        assert.deepEqual(workspace.calls, ["destroy dr-20261127-210000"]);
    });

    it("tears down a stack whose config failed after stack init (no empty stack left)", async () => {
        const { workspace, options } = setup({
            configureFails: "pulumi config set-all -s dr-20261127-210000 failed: the stack is currently locked",
        });
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.match(report.error!, /^create stack: pulumi config set-all/);
        assert.deepEqual(workspace.calls, ["create dr-20261127-210000", "configure dr-20261127-210000", "destroy dr-20261127-210000"]);
        assert.equal(report.teardown, "destroyed");
    });

    it("reaches the detector and MLflow through `reach` (the CLI's port-forward) from the stack outputs, and stops it", async () => {
        const { workspace, options } = setup();
        const asked: string[] = [];
        let stopped = 0;
        options.detectorUrl = undefined;
        options.mlflowUrl = undefined;
        options.reach = async (url) => {
            asked.push(url);
            return { url: `${base}/${url.includes("detector") ? "detector" : "mlflow"}`, stop: async () => void stopped++ };
        };
        const report = await runDrill(options);
        assert.equal(report.status, "passed", report.error);
        assert.deepEqual(asked, [workspace.drill!.outputs.detectorUrl, workspace.drill!.outputs.mlflowUrl]);
        assert.match(asked[0]!, /^http:\/\/detector\.dr-20261127-210000\.svc\.cluster\.local:\d+$/);
        assert.equal(stopped, 2);
    });

    it("the drill's up runs the policy pack: its config (the source's, less what a drill is not) passes the drill plan that the source's own config refuses", async () => {
        const { workspace, options } = setup();
        await runDrill(options);
        const resources = planResources(workspace.drill!);
        const withSource = await checkResources(resources, loadStackConfig("production", pack.policies));
        assert.ok(
            withSource.violations.some((v) => v.policy === "rds-deletion-protection"),
            "the source's config refuses the drill",
        );
        const drillConfigured = await checkResources(resources, reconcileConfig(pack.policies, drillPolicyConfig("production"), "drill"));
        assert.deepEqual(
            drillConfigured.violations.map((v) => `${v.policy} ${v.resource} ${v.message}`),
            [],
        );
    });

    it("names stacks dr-YYYYMMDD-HHMMSS", () => {
        assert.equal(drStackName(new Date("2026-01-02T03:04:05.678Z")), "dr-20260102-030405");
        assert.equal(existsSync(reportDir), true);
    });
});
