// The DR drill against a fake Automation API workspace and fake detector/MLflow on 127.0.0.1.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drillConfig, drStackName, runDrill, type BackupFacts, type DrillOptions } from "../../../src/dr/drill";
import type { ConfigMap, DrWorkspace } from "../../../src/dr/workspace";
import { planStack, readStackConfig } from "../../../src/plan/run";

const sourceConfig: ConfigMap = {
    "pneumonia-platform:environment": { value: "production", secret: false },
    "pneumonia-platform:aws": { value: JSON.stringify({ region: "eu-west-1" }), secret: false },
    "pneumonia-platform:kubernetes": { value: JSON.stringify({ context: "prod", appNamespace: "pneumonia" }), secret: false },
    "pneumonia-platform:detector": { value: JSON.stringify({ replicas: 3, build: { context: ".", dockerfile: "Dockerfile", tag: "1.0.0" } }), secret: false },
    "pneumonia-platform:backups": { value: JSON.stringify({ retentionDays: 400, build: { tag: "0.1.0" } }), secret: false },
    "pneumonia-platform:databasePassword": { value: "s3cret", secret: true },
};
const sourceOutputs = {
    backupBucket: "backups-prod0001",
    backupKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/backups",
    backupImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-backup@sha256:" + "b".repeat(64),
    detectorImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:" + "d".repeat(64),
    mlflowImage: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-mlflow@sha256:" + "e".repeat(64),
};

/** A clock the fake workspace moves forward, so phase times and RTOs are deterministic. */
class Clock {
    t = Date.parse("2026-11-27T21:00:00Z");
    now = () => new Date(this.t);
    advance(seconds: number) {
        this.t += seconds * 1000;
    }
}

class FakeWorkspace implements DrWorkspace {
    created?: { stack: string; config: ConfigMap };
    destroyed: string[] = [];
    upSeconds = 20 * 60;
    upError?: Error;
    constructor(private readonly clock: Clock, private readonly urls: { detectorUrl: string; mlflowUrl: string }, private readonly environment = "production") {}
    async readSource(stack: string) {
        assert.equal(stack, "production");
        return { config: { ...sourceConfig, "pneumonia-platform:environment": { value: this.environment, secret: false } }, outputs: sourceOutputs };
    }
    async createStack(stack: string, config: ConfigMap) {
        this.created = { stack, config };
    }
    async up(_stack: string, onOutput: (line: string) => void) {
        onOutput("Updating (dr)\n");
        this.clock.advance(this.upSeconds);
        if (this.upError) throw this.upError;
        return { ...this.urls };
    }
    async destroy(stack: string) {
        this.destroyed.push(stack);
    }
}

describe("dr-drill", function () {
    let server: Server;
    let base: string;
    const state = { detectorStatus: 200, experiments: 3, runsPerExperiment: 4 };
    const backup: BackupFacts = { id: "20261127T011500Z-abcd", experiments: 3, runs: 12 };
    let reportDir: string;

    before(async () => {
        server = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const json = (value: unknown) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(value));
                if (req.url === "/detector/health") return res.writeHead(state.detectorStatus).end();
                if (req.url === "/mlflow/health") return res.writeHead(200).end("OK");
                if (req.url === "/mlflow/api/2.0/mlflow/experiments/search") {
                    const request = JSON.parse(body);
                    assert.equal(request.view_type, "ALL");
                    // Two pages, to exercise pagination.
                    const all = Array.from({ length: state.experiments }, (_, i) => ({ experiment_id: String(i) }));
                    return request.page_token ? json({ experiments: all.slice(2) }) : json({ experiments: all.slice(0, 2), next_page_token: all.length > 2 ? "p2" : "" });
                }
                if (req.url === "/mlflow/api/2.0/mlflow/runs/search") {
                    const request = JSON.parse(body);
                    assert.equal(request.run_view_type, "ALL");
                    return json({ runs: request.experiment_ids.flatMap(() => Array.from({ length: state.runsPerExperiment }, () => ({}))) });
                }
                return res.writeHead(404).end();
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    beforeEach(() => {
        Object.assign(state, { detectorStatus: 200, experiments: 3, runsPerExperiment: 4 });
        reportDir = mkdtempSync(join(tmpdir(), "dr-reports-"));
    });
    afterEach(() => rmSync(reportDir, { recursive: true, force: true }));

    function setup(overrides: Partial<DrillOptions> = {}, environment = "production") {
        const clock = new Clock();
        const workspace = new FakeWorkspace(clock, { detectorUrl: `${base}/detector`, mlflowUrl: `${base}/mlflow` }, environment);
        const progress: string[] = [];
        const options: DrillOptions = {
            from: "production",
            keep: false,
            now: clock.now,
            workspace,
            readManifest: async (location) => {
                assert.deepEqual(location, { bucket: "backups-prod0001", prefix: "production", region: "eu-west-1" });
                return backup;
            },
            fetch,
            reportDir,
            progress: (line) => progress.push(line),
            ...overrides,
        };
        return { clock, workspace, progress, options };
    }

    it("creates dr-<timestamp> restored from the latest backups, checks it, reports and destroys it", async () => {
        const { workspace, progress, options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "passed", report.error);
        assert.equal(report.stack, "dr-20261127-210000");
        assert.equal(workspace.created?.stack, "dr-20261127-210000");
        assert.deepEqual(workspace.destroyed, ["dr-20261127-210000"]);
        assert.deepEqual(report.restored, { experiments: 3, runs: 12 });
        assert.deepEqual(report.rto.map((r) => [r.objective, r.actualSeconds, r.met]), [
            ["Model service (detector healthy)", 1200, true],
            ["Complete system (all checks passed)", 1200, true],
            ["Data (MLflow matches the backup)", 1200, true],
        ]);
        assert.deepEqual(
            progress.filter((l) => /: ok in/.test(l)).map((l) => l.replace(/: ok in .*/, "")),
            ["[1/7] read source stack", "[2/7] create stack", "[3/7] deploy and restore", "[4/7] detector /health", "[5/7] MLflow /health", "[6/7] experiment and run counts", "[7/7] destroy"],
        );
        const json = JSON.parse(readFileSync(join(reportDir, "dr-20261127-210000.json"), "utf8"));
        assert.equal(json.status, "passed");
        const markdown = readFileSync(join(reportDir, "dr-20261127-210000.md"), "utf8");
        assert.match(markdown, /^# DR drill dr-20261127-210000: PASSED/);
        assert.match(markdown, /\| deploy and restore \| passed \| 20 min 0 s \|/);
        assert.match(markdown, /\| Data \(MLflow matches the backup\) \| 240 min 0 s \| 20 min 0 s \| yes \|/);
    });

    it("gives the new stack the source config, its own namespaces, the source's images and the restore setting", () => {
        const config = drillConfig(sourceConfig, sourceOutputs, "production", "dr-20261127-210000");
        const parsed = (key: string) => JSON.parse(config[`pneumonia-platform:${key}`].value);
        assert.deepEqual(parsed("backups"), {
            retentionDays: 400,
            image: sourceOutputs.backupImage,
            build: null,
            restore: { from: "latest", bucket: "backups-prod0001", prefix: "production", kmsKeyArn: sourceOutputs.backupKmsKeyArn },
        });
        assert.deepEqual(parsed("kubernetes"), { context: "prod", appNamespace: "dr-20261127-210000", monitoringNamespace: "dr-20261127-210000-monitoring" });
        assert.deepEqual(parsed("detector"), { replicas: 3, image: sourceOutputs.detectorImage, build: null });
        assert.deepEqual(parsed("mlflow"), { image: sourceOutputs.mlflowImage, build: null });
        assert.deepEqual(config["pneumonia-platform:databasePassword"], { value: "s3cret", secret: true }, "secrets stay secrets");
    });

    it("plans a DR stack of production that runs the source's images and builds none", async () => {
        const { values } = readStackConfig("production");
        const source: ConfigMap = Object.fromEntries(
            Object.entries(values).map(([key, value]) => [`pneumonia-platform:${key}`, { value: typeof value === "string" ? value : JSON.stringify(value), secret: false }]),
        );
        const config = drillConfig(source, sourceOutputs, "production", "dr-20261127-210000");
        const overrides = Object.fromEntries(
            Object.entries(config).map(([key, { value }]) => [key.split(":")[1], value.startsWith("{") ? JSON.parse(value) : value]),
        );
        const plan = await planStack("production", { overrides });
        const types = new Set(plan.resources.map((r) => r.type));
        assert.equal(types.has("docker:index/image:Image"), false, "no image build");
        assert.equal(types.has("aws:ecr/repository:Repository"), false, "no ECR repository of its own");
        const images = plan.resources
            .filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:argoproj.io/v1alpha1:Rollout")
            .map((r) => (r.inputs as any).spec.template.spec.containers[0].image);
        assert.ok(images.includes(sourceOutputs.mlflowImage) && images.includes(sourceOutputs.detectorImage));
    });

    it("keeps the stack with --keep", async () => {
        const { workspace, options } = setup({ keep: true });
        const report = await runDrill(options);
        assert.equal(report.status, "passed");
        assert.deepEqual(workspace.destroyed, []);
        assert.match(readFileSync(join(reportDir, `${report.stack}.md`), "utf8"), /kept \(`--keep`\): destroy it with `pulumi destroy -s dr-20261127-210000`/);
    });

    it("fails when MLflow's counts differ from the backup manifest, and still destroys", async () => {
        state.runsPerExperiment = 3;
        const { workspace, options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "experiment and run counts: MLflow has 3 experiments and 9 runs, backup db/20261127T011500Z-abcd has 3 and 12");
        assert.deepEqual(workspace.destroyed, [report.stack]);
        assert.equal(report.rto.find((r) => r.objective.startsWith("Data"))!.met, false);
    });

    it("fails on an unhealthy detector without reaching the model-service RTO", async () => {
        state.detectorStatus = 503;
        const { options } = setup();
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.match(report.error!, /^detector \/health: detector http:\/\/127\.0\.0\.1:\d+\/detector\/health: HTTP 503, expected 200$/);
        assert.deepEqual(report.rto.map((r) => r.met), [false, false, false]);
        assert.equal(report.phases.at(-1)!.name, "destroy");
    });

    it("fails when a phase passes but too late for its RTO", async () => {
        const { workspace, options } = setup();
        workspace.upSeconds = 45 * 60;
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "RTO missed: Model service (detector healthy)");
        assert.deepEqual(report.rto.map((r) => r.met), [false, true, true]);
    });

    it("destroys the stack when pulumi up fails", async () => {
        const { workspace, options } = setup();
        workspace.upError = new Error("restore Job backup-restore failed\nmore detail");
        const report = await runDrill(options);
        assert.equal(report.status, "failed");
        assert.equal(report.error, "deploy and restore: restore Job backup-restore failed");
        assert.deepEqual(workspace.destroyed, [report.stack]);
    });

    it("refuses the local stack and a source without a backup bucket output, creating nothing", async () => {
        const local = setup({}, "local");
        const report = await runDrill(local.options);
        assert.match(report.error!, /^read source stack: stack production keeps its backups in its in-cluster object store/);
        assert.equal(local.workspace.created, undefined);
        assert.throws(() => drillConfig(sourceConfig, {}, "production", "dr-x"), /source stack production has no backupBucket output/);
    });

    it("names stacks dr-YYYYMMDD-HHMMSS", () => {
        assert.equal(drStackName(new Date("2026-01-02T03:04:05.678Z")), "dr-20260102-030405");
    });
});
