// `npm run dr-drill` as the quarterly workflow runs it on a hosted runner, the real path end to
// end with stand-ins that answer as the real systems do: a recording `pulumi` on the PATH
// (tests/helpers/pulumi-standin.ts), the backups in an S3 API (moto_server) as the backup runner
// commits them, and kubectl port-forward (tests/src/health/fake-kubectl.ts, refusing any context but
// the source's) to the drill's in-cluster detector and MLflow, which only answer on 127.0.0.1 here.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { BackupStore, completedManifest } from "../../src/backup/store";
import { stackFileConfig } from "../../src/dr/plan";
import { repoRoot } from "../helpers/cli";
import { startMoto, type MotoServer } from "../../scripts/servers/moto";
import { installPulumiStandIn, type PulumiStandIn, type StandInState } from "../helpers/pulumi-standin";

const context = "arn:aws:eks:eu-west-1:111122223333:cluster/pneumonia-staging";
const image = (name: string) => `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${name}@sha256:${"d".repeat(64)}`;

describe("dr-drill CLI, end to end with stand-ins", function () {
    this.timeout(120_000);
    let moto: MotoServer;
    let services: Server;
    let servicePort: number;
    let standIn: PulumiStandIn;
    let reports: string;

    before(async () => {
        moto = await startMoto();
        const client = moto.client();
        for (const bucket of ["pneumonia-staging-backups", "drill-artifacts"])
            await client.send(new CreateBucketCommand({ Bucket: bucket }));
        const store = new BackupStore(
            { region: "eu-west-1", endpoint: moto.endpoint, bucket: "pneumonia-staging-backups", prefix: "staging" },
            client,
        );
        const sha = "a".repeat(64);
        const at = new Date(Date.now() - 3600_000);
        await store.commit(
            completedManifest("db", "db-1", "staging/db/db-1/db.dump", { size: 1 }, sha, at, {
                tables: { "public.experiments": 1, "public.runs": 0, "public.registered_models": 0 },
            }),
        );
        await store.commit(
            completedManifest("models", "models-1", "staging/models/models-1/models.tar.gz", { size: 1 }, sha, at, { objects: 2 }),
        );
        for (const key of ["mlflow/1/a", "mlflow/1/b"])
            await client.send(new PutObjectCommand({ Bucket: "drill-artifacts", Key: key, Body: "x" }));
        // The drill's detector (:8000) and MLflow (:5000) as one local server, behind the port-forward.
        services = createServer((req, res) => {
            const json = (v: unknown) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(v));
            if (req.url === "/health") return res.writeHead(200).end("OK");
            if (req.url === "/api/2.0/mlflow/experiments/search") return json({ experiments: [{ experiment_id: "0" }] });
            if (req.url === "/api/2.0/mlflow/runs/search") return json({ runs: [] });
            if (req.url?.startsWith("/api/2.0/mlflow/registered-models/search")) return json({ registered_models: [] });
            return res.writeHead(404).end();
        });
        await new Promise<void>((r) => services.listen(0, "127.0.0.1", r));
        servicePort = (services.address() as AddressInfo).port;
    });
    after(async () => {
        await new Promise<void>((r) => services.close(() => r()));
        await moto.stop();
    });
    beforeEach(() => (reports = mkdtempSync(join(tmpdir(), "dr-cli-reports-"))));
    afterEach(() => {
        standIn?.remove();
        rmSync(reports, { recursive: true, force: true });
    });

    function state(extra: Partial<StandInState> = {}): StandInState {
        return {
            stacks: {
                staging: {
                    secretsProvider: "default",
                    config: stackFileConfig("staging") as StandInState["stacks"][string]["config"],
                    outputs: {
                        backupBucket: "pneumonia-staging-backups",
                        backupImage: image("pneumonia-backup"),
                        detectorImage: image("pneumonia-detector"),
                        mlflowImage: image("pneumonia-mlflow"),
                    },
                },
            },
            upOutputs: {
                artifactBucket: "drill-artifacts",
                detectorUrl: "http://detector.drill.svc.cluster.local:8000",
                mlflowUrl: "http://mlflow.drill.svc.cluster.local:5000",
            },
            ...extra,
        };
    }

    function drill(
        onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
    ): Promise<{ code: number | null; stdout: string; stderr: string }> {
        const env = {
            ...process.env,
            ...moto.env,
            AWS_REGION: "eu-west-1",
            PATH: standIn.path,
            KUBECTL: `${join(repoRoot, "node_modules/.bin/tsx")} ${join(repoRoot, "tests/src/health/fake-kubectl.ts")}`,
            FAKE_KUBECTL_CONTEXT: context,
            FAKE_KUBECTL_ROUTES: JSON.stringify({
                "drill/detector:8000": `127.0.0.1:${servicePort}`,
                "drill/mlflow:5000": `127.0.0.1:${servicePort}`,
            }),
        };
        return new Promise((resolve) => {
            const child = spawn(join(repoRoot, "node_modules/.bin/tsx"), ["src/dr/cli.ts", "--from", "staging", "--reports", reports], {
                cwd: repoRoot,
                env,
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
            child.stderr.on("data", (c: Buffer) => {
                stderr += c.toString();
                onStderr?.(stderr, child);
            });
            child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
    }

    it("passes with no URL given: detector and MLflow reached by port-forward in the source's cluster; the stack is created, checked and destroyed", async () => {
        standIn = installPulumiStandIn(state());
        const result = await drill();
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^dr-drill: dr-\d{8}-\d{6} passed \(report /);
        assert.match(result.stderr, /\[4\/7\] detector ready: ok/);
        const subcommands = standIn.calls().map((c) => (c.argv[0] === "stack" ? c.argv.slice(0, 2).join(" ") : c.argv[0]));
        assert.ok(
            subcommands.includes("stack init") && subcommands.includes("destroy") && subcommands.includes("stack rm"),
            subcommands.join(", "),
        );
        assert.deepEqual(Object.keys(standIn.state().stacks), ["staging"], "no drill stack left");
    });

    it("on SIGTERM during pulumi up: the CLI stops, destroys and removes the drill stack, writes the report, exits 1", async () => {
        standIn = installPulumiStandIn(state({ slow: { up: 60 } }));
        let sent = false;
        const result = await drill((stderr, child) => {
            if (!sent && /\[2\/7\] deploy and restore \.\.\./.test(stderr)) {
                sent = true;
                // Give the CLI's `pulumi up` a moment to start, as a cancelled job's runner would not wait.
                setTimeout(() => child.kill("SIGTERM"), 1500);
            }
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /SIGTERM: stopping the drill; tearing down dr-/);
        const [file] = readdirSync(reports).filter((f) => f.endsWith(".json"));
        const report = JSON.parse(readFileSync(join(reports, file!), "utf8"));
        assert.equal(report.error, "deploy and restore: interrupted by SIGTERM");
        assert.equal(report.teardown, "destroyed");
        assert.deepEqual(Object.keys(standIn.state().stacks), ["staging"], "no drill stack left");
    });
});
