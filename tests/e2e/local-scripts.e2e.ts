// npm run local:up / local:down with fake docker, kind, pulumi, kubectl and npm on PATH: each fake
// records its command line, so the tests see which tools are checked, in which order the steps run,
// and that nothing starts when a tool is missing or after a step fails. The contract and smoke
// steps talk to the real detector stand-in, reached through the fake `kubectl port-forward`, which
// prints what kubectl prints ("Forwarding from 127.0.0.1:<port> -> <port>",
// https://kubernetes.io/docs/reference/kubectl/generated/kubectl_port-forward/).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { backupsDefaults } from "../../infra/backups/config";
import { repoRoot } from "../helpers/cli";
import { startStandIn, type StandIn } from "../helpers/standin";

/** The backup runner image the local stack names (its config default): the one local:up builds. */
const backupImage = backupsDefaults("local").image;
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const fake = `#!/bin/sh
# The fake's own helpers (basename, cat, sleep) come from the system; the script under test sees only the fakes.
PATH=/usr/bin:/bin
tool=$(basename "$0")
echo "$tool $*" >> "$FAKE_DIR/log"
case "$tool $*" in
  *"$FAKE_FAIL"*) [ -n "$FAKE_FAIL" ] && { echo "$tool: simulated failure" >&2; exit 1; } ;;
esac
case "$tool $1 $2" in
  "docker version "*) echo 27.3.1 ;;
  "kind get clusters") cat "$FAKE_DIR/clusters" 2>/dev/null ;;
  "kind create cluster") echo pneumonia >> "$FAKE_DIR/clusters" ;;
  "kind delete cluster") : > "$FAKE_DIR/clusters" ;;
  "pulumi version "*) echo v3.248.0 ;;
  "pulumi stack ls") cat "$FAKE_DIR/stacks" 2>/dev/null || echo '[]' ;;
  "pulumi up "*|"npm run --silent") echo "$tool: PULUMI_BACKEND_URL=$PULUMI_BACKEND_URL PASSPHRASE_FILE=$PULUMI_CONFIG_PASSPHRASE_FILE" >> "$FAKE_DIR/pulumi-env" ;;
esac
if [ "$tool" = kubectl ]; then
  for a in "$@"; do case "$a" in
    :8000) echo "Forwarding from 127.0.0.1:$FAKE_API_PORT -> 8000"; exec sleep 600 ;;
    :9090) echo "Forwarding from 127.0.0.1:$FAKE_METRICS_PORT -> 9090"; exec sleep 600 ;;
  esac; done
fi
exit 0
`;

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    log: string[];
}

function fakes(names: string[]): string {
    const dir = mkdtempSync(path.join(tmpdir(), "local-fakes-"));
    for (const name of names) {
        writeFileSync(path.join(dir, name), fake);
        chmodSync(path.join(dir, name), 0o755);
    }
    return dir;
}

function runScript(script: string, dir: string, env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(repoRoot, "node_modules/tsx/dist/cli.mjs"), path.join(repoRoot, script)], {
            cwd: repoRoot,
            // Only the fakes: the machine's own docker or kubectl must not be found.
            env: { PATH: dir, HOME: dir, FAKE_DIR: dir, PNEUMONIA_LOCAL_STATE_DIR: path.join(dir, "state"), ...env },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => {
            const log = existsSync(path.join(dir, "log")) ? readFileSync(path.join(dir, "log"), "utf8").trim().split("\n") : [];
            resolve({ code, stdout, stderr, log });
        });
    });
}

const allTools = ["docker", "kind", "pulumi", "kubectl", "npm"];

describe("npm run local:up / local:down (scripts/local-*.ts) with fake tools", function () {
    this.timeout(120_000);
    let standIn: StandIn;
    const dirs: string[] = [];
    const tools = (names = allTools) => {
        const dir = fakes(names);
        dirs.push(dir);
        return dir;
    };
    const ports = () => ({ FAKE_API_PORT: String(standIn.ports.api), FAKE_METRICS_PORT: String(standIn.ports.metrics) });

    before(async () => {
        standIn = await startStandIn();
    });
    after(async () => {
        await standIn.stop();
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it("names every missing tool with how to install it, one line each, exits 2 and runs nothing", async () => {
        const dir = tools(["pulumi"]);
        const run = await runScript("scripts/local-up.ts", dir);
        assert.equal(run.code, 2);
        const lines = run.stderr.trim().split("\n");
        assert.deepEqual(
            lines.map((l) => l.split(":")[0] + ":" + l.split(":")[1]),
            ["missing: docker", "missing: kind", "missing: kubectl", "error: 3 required tool(s) missing"],
        );
        assert.match(lines[0]!, /^missing: docker: install it from https:\/\/docs\.docker\.com\/get-docker\//);
        assert.match(lines[1]!, /^missing: kind: install it from https:\/\/kind\.sigs\.k8s\.io\//);
        assert.equal(lines[3], "error: 3 required tool(s) missing: docker, kind, kubectl; nothing was started");
        assert.deepEqual(run.log, []);
        assert.ok(!existsSync(path.join(dir, "state")), "no state folder was made");
    });

    it("a pulumi on PATH that cannot start (the npm launcher without network) is named, exit 2, and nothing starts", async () => {
        const dir = tools();
        const run = await runScript("scripts/local-up.ts", dir, { FAKE_FAIL: "pulumi version" });
        assert.equal(run.code, 2);
        assert.equal(
            run.stderr,
            `error: the pulumi CLI on PATH (${dir}/pulumi) cannot start: pulumi: simulated failure: install the CLI (https://www.pulumi.com/docs/iac/download-install/)\n`,
        );
        assert.deepEqual(run.log, ["pulumi version"]);
        assert.ok(!existsSync(path.join(dir, "state")), "no state folder was made");
    });

    it("creates the cluster, builds and loads the images, runs pulumi up with local state, then checks contract, health and a prediction", async () => {
        const dir = tools();
        const run = await runScript("scripts/local-up.ts", dir, ports());
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const kindConfig = path.join(repoRoot, "scripts/local-kind.yaml");
        assert.deepEqual(run.log, [
            "pulumi version",
            "docker version --format {{.Server.Version}}",
            "kind get clusters",
            `kind create cluster --name pneumonia --config ${kindConfig} --wait 180s`,
            "docker build -t pneumonia/detector-standin:0.1.0 images/detector-standin",
            `docker build -f images/backup/Dockerfile -t ${backupImage} .`,
            "docker pull ghcr.io/mlflow/mlflow:v3.11.1-full",
            `kind load docker-image pneumonia/detector-standin:0.1.0 ${backupImage} ghcr.io/mlflow/mlflow:v3.11.1-full --name pneumonia`,
            "pulumi stack select local --create --secrets-provider passphrase",
            "pulumi up --stack local --yes --skip-preview",
            "kubectl --context kind-pneumonia --namespace pneumonia port-forward --address 127.0.0.1 service/detector :8000",
            "kubectl --context kind-pneumonia --namespace pneumonia port-forward --address 127.0.0.1 service/detector :9090",
            "npm run --silent health -- local --port-forward",
        ]);
        // Pulumi, and the health check reading the stack's outputs, ran against the state folder, with a
        // generated passphrase only its owner can read.
        const state = path.join(dir, "state");
        const pulumiEnv = `PULUMI_BACKEND_URL=file://${state} PASSPHRASE_FILE=${path.join(state, "passphrase")}`;
        assert.deepEqual(readFileSync(path.join(dir, "pulumi-env"), "utf8").trim().split("\n"), [
            `pulumi: ${pulumiEnv}`,
            `npm: ${pulumiEnv}`,
        ]);
        assert.equal(statSync(path.join(state, "passphrase")).mode & 0o777, 0o600);
        assert.match(run.stdout, /^\[1\/11\] docker daemon$/m);
        assert.match(run.stdout, /^\[9\/11\] detector contract \(docs\/detector-contract\.md\)\n {6}ok: 21 clauses passed/m);
        assert.match(
            run.stdout,
            /^\[11\/11\] smoke: a prediction through the detector Service\n {6}ok: POST \/predict → 200 \{"prediction":"(PNEUMONIA|NORMAL)".*"stand_in":true\}/m,
        );
        const summary = run.stdout.slice(run.stdout.indexOf("local:up summary:"));
        assert.equal(summary.split("\n").filter((l) => /^ {2}ok /.test(l)).length, 11, summary);
    });

    it("reuses an existing cluster", async () => {
        const dir = tools();
        writeFileSync(path.join(dir, "clusters"), "other\npneumonia\n");
        const run = await runScript("scripts/local-up.ts", dir, ports());
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.ok(!run.log.some((l) => l.startsWith("kind create")));
        assert.match(run.stdout, /\[2\/11\] kind cluster pneumonia\n {6}ok: reused/);
    });

    it("stops at the first failed step: exit 1, the summary names it, nothing after it runs", async () => {
        const dir = tools();
        const run = await runScript("scripts/local-up.ts", dir, { ...ports(), FAKE_FAIL: "docker build -f images/backup" });
        assert.equal(run.code, 1);
        assert.ok(
            !run.log.some((l) => (l.startsWith("pulumi") && l !== "pulumi version") || l.startsWith("kind load")),
            run.log.join("\n"),
        );
        const build = `docker build -f images/backup/Dockerfile -t ${backupImage} .`;
        assert.match(
            run.stdout,
            new RegExp(`^ {2}FAILED {2}image ${escaped(backupImage)} +\\d+\\.\\d s {2}\`${escaped(build)}\` exited with 1$`, "m"),
        );
        assert.match(run.stdout, /^ {2}not run image ghcr\.io\/mlflow\/mlflow:v3\.11\.1-full/m);
        assert.equal(run.stderr.trim().split("\n").pop(), `error: \`${build}\` exited with 1`);
    });

    it("fails the contract step when the detector does not keep the contract", async () => {
        const dir = tools();
        await standIn.setFaults({ readinessOff: true });
        try {
            const run = await runScript("scripts/local-up.ts", dir, ports());
            assert.equal(run.code, 1);
            assert.match(run.stdout, /FAIL health: GET \/health → 503/);
            assert.match(run.stdout, /^ {2}FAILED {2}detector contract/m);
            assert.ok(!run.log.some((l) => l.startsWith("npm")), "health does not run after a failed contract");
        } finally {
            await standIn.setFaults({ readinessOff: false });
        }
    });

    it("local:down deletes the cluster and drops the stack's state; with nothing there it changes nothing", async () => {
        const dir = tools();
        writeFileSync(path.join(dir, "clusters"), "pneumonia\n");
        writeFileSync(path.join(dir, "stacks"), '[{"name":"local","current":true}]');
        const run = await runScript("scripts/local-down.ts", dir);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.deepEqual(run.log, [
            "kind get clusters",
            "kind delete cluster --name pneumonia",
            "pulumi stack ls --json",
            "pulumi stack rm local --force --yes",
        ]);
        writeFileSync(path.join(dir, "stacks"), "[]");
        writeFileSync(path.join(dir, "log"), "");
        const again = await runScript("scripts/local-down.ts", dir);
        assert.equal(again.code, 0);
        assert.deepEqual(again.log.filter(Boolean), ["kind get clusters", "pulumi stack ls --json"]);
        const missing = await runScript("scripts/local-down.ts", tools(["kind"]));
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /^missing: pulumi: install it from https:\/\/www\.pulumi\.com\//);
    });
});
