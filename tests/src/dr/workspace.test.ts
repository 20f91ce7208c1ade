// The drill's Pulumi workspace against a recording `pulumi` stand-in (tests/helpers/pulumi-standin.ts):
// what reaches the CLI's command line is what `ps` shows to every user of the machine
// (/proc/<pid>/cmdline), so no secret value may be in any call's argv; the drill stack gets the
// source's secrets provider (`pulumi stack init --secrets-provider`, read from the source's
// Pulumi.<stack>.yaml `secretsprovider`) and a copy of its config made by the CLI
// (`--copy-config-from`, which re-encrypts secrets with the new stack's provider); a secret the drill
// changes goes through stdin (`pulumi config set <key>` without a value reads it:
// https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/). Its `up` carries the policy pack.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CheckFailedError } from "../../../src/cli/command";
import { localWorkspace, type ConfigMap } from "../../../src/dr/workspace";
import { repoRoot } from "../../helpers/cli";
import { failedUpOutput, installPulumiStandIn, type PulumiStandIn } from "../../helpers/pulumi-standin";

const kms = "awskms://alias/pneumonia-state?region=eu-west-1";
const password = "pr0d-db-p4ssw0rd-9f3a";
const webhook = "https://hooks.slack.example/services/T000/B000/XXXXSECRET";
const newSecret = "dr1ll-only-t0ken-77c1";

describe("dr-drill workspace (recording pulumi)", function () {
    this.timeout(60_000);
    let standIn: PulumiStandIn;
    let workDir: string;
    const savedPath = process.env.PATH;
    const source: ConfigMap = {
        "pneumonia-platform:environment": { value: "production", secret: false },
        "pneumonia-platform:databasePassword": { value: password, secret: true },
        "pneumonia-platform:slackWebhookUrl": { value: webhook, secret: true },
        "pneumonia-platform:kubernetes": { value: JSON.stringify({ context: "prod" }), secret: false },
    };

    beforeEach(() => {
        workDir = mkdtempSync(join(tmpdir(), "dr-workdir-"));
        writeFileSync(join(workDir, "Pulumi.yaml"), "name: pneumonia-platform\nruntime: nodejs\n");
        writeFileSync(join(workDir, "Pulumi.production.yaml"), `secretsprovider: ${kms}\nconfig: {}\n`);
        standIn = installPulumiStandIn({
            stacks: { production: { secretsProvider: kms, config: source, outputs: { backupBucket: "b" } } },
            upOutputs: { artifactBucket: "drill-artifacts" },
        });
        process.env.PATH = standIn.path;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        standIn.remove();
        rmSync(workDir, { recursive: true, force: true });
    });

    it("creates the drill stack with the source's secrets provider and a CLI copy of its config: no secret in any argv", async () => {
        const workspace = localWorkspace(workDir);
        const read = await workspace.readSource("production");
        assert.equal(read.secretsProvider, kms);
        assert.equal(read.config["pneumonia-platform:databasePassword"]!.value, password, "read from the CLI's stdout");
        const drill: ConfigMap = {
            ...read.config,
            "pneumonia-platform:kubernetes": { value: JSON.stringify({ context: "prod", appNamespace: "dr-x" }), secret: false },
            "pneumonia-platform:drillToken": { value: newSecret, secret: true },
        };
        await workspace.initStack("dr-x", read);
        await workspace.configure("dr-x", read, drill);

        const calls = standIn.calls();
        for (const call of calls) {
            for (const secret of [password, webhook, newSecret])
                assert.ok(!call.cmdline.includes(secret), `a secret on the command line: ${call.cmdline}`);
        }
        const init = calls.find((c) => c.argv[0] === "stack" && c.argv[1] === "init")!;
        assert.deepEqual(init.argv.slice(0, 3), ["stack", "init", "dr-x"]);
        assert.equal(init.argv[init.argv.indexOf("--secrets-provider") + 1], kms);
        assert.equal(init.argv[init.argv.indexOf("--copy-config-from") + 1], "production");
        const setSecret = calls.find((c) => c.argv[0] === "config" && c.argv[1] === "set")!;
        assert.equal(setSecret.stdin, newSecret);
        assert.ok(setSecret.argv.includes("--secret"));

        const created = standIn.state().stacks["dr-x"]!;
        assert.equal(created.secretsProvider, kms);
        assert.deepEqual(created.config["pneumonia-platform:databasePassword"], { value: password, secret: true });
        assert.deepEqual(created.config["pneumonia-platform:drillToken"], { value: newSecret, secret: true });
        assert.deepEqual(JSON.parse(created.config["pneumonia-platform:kubernetes"]!.value), { context: "prod", appNamespace: "dr-x" });
        // Only what the drill changes is set again: the copied secrets are never re-sent.
        const setAll = calls.find((c) => c.argv[1] === "set-all")!;
        assert.deepEqual(
            setAll.argv.filter((a) => a.startsWith("pneumonia-platform:")).map((a) => a.split("=")[0]),
            ["pneumonia-platform:kubernetes"],
        );
    });

    it("runs up with the policy pack and the drill's pack config, and removes that file afterwards", async () => {
        const workspace = localWorkspace(workDir);
        const read = await workspace.readSource("production");
        await workspace.initStack("dr-x", read);
        const outputs = await workspace.up("dr-x", "production", () => undefined);
        assert.deepEqual(outputs, { artifactBucket: "drill-artifacts" });
        const up = standIn.calls().find((c) => c.argv[0] === "up")!;
        assert.equal(up.argv[up.argv.indexOf("--policy-pack") + 1], join(repoRoot, "policies"));
        const configFile = up.argv[up.argv.indexOf("--policy-pack-config") + 1]!;
        assert.match(configFile, /dr-policy-.*\/dr-x\.json$/);
        assert.equal(existsSync(configFile), false);
        assert.equal(up.argv[up.argv.indexOf("--stack") + 1], "dr-x");
    });

    it("a failed up is one line with the failing resource, exit 1; destroy removes the stack", async () => {
        const workspace = localWorkspace(workDir);
        const read = await workspace.readSource("production");
        await workspace.initStack("dr-x", read);
        standIn.remove();
        standIn = installPulumiStandIn({
            stacks: {
                production: { secretsProvider: kms, config: source, outputs: {} },
                "dr-x": { secretsProvider: kms, config: source, outputs: {} },
            },
            fail: {
                up: {
                    stdout: failedUpOutput(
                        "dr-x",
                        "kubernetes:batch/v1:Job (backup-restore)",
                        'Job "backup-restore" failed: BackoffLimitExceeded',
                    ),
                    exit: 255,
                },
            },
        });
        process.env.PATH = standIn.path;
        await assert.rejects(
            workspace.up("dr-x", "production", () => undefined),
            (e: Error) =>
                e instanceof CheckFailedError &&
                e.message ===
                    'pulumi up -s dr-x failed: kubernetes:batch/v1:Job (backup-restore): Job "backup-restore" failed: BackoffLimitExceeded',
        );
        await workspace.destroy("dr-x", () => undefined);
        assert.deepEqual(
            standIn
                .calls()
                .map((c) => c.argv.slice(0, 2).join(" "))
                .filter((c) => /^(destroy|stack rm)/.test(c)),
            ["destroy --yes", "stack rm"],
        );
        assert.equal(standIn.state().stacks["dr-x"], undefined);
    });
});
