// Failed Pulumi operations as an operator reads them, against a recording `pulumi` stand-in on the
// PATH that answers as the CLI does (tests/helpers/pulumi-standin.ts): the Automation API's error
// (node_modules/@pulumi/pulumi/automation/cmd.js: `code: -2` and execa's message first) becomes one
// line naming the failing resource and its message, exit 1; a CLI that is missing or cannot start,
// or lacks its passphrase, is an environment error, exit 2.
import * as assert from "node:assert/strict";
import { CheckFailedError, describeFailure, UsageError } from "../../../src/cli/command";
import { meaningfulLines, requirePulumi } from "../../../src/release/pulumi-cli";
import { openAutomationStack } from "../../../src/release/stack";
import { runCli } from "../../helpers/cli";
import { failedUpOutput, installPulumiStandIn, type PulumiStandIn, type StandInState } from "../../helpers/pulumi-standin";

const production = { secretsProvider: "default", config: {}, outputs: {} };

describe("Pulumi failures in one line", function () {
    this.timeout(60_000);
    let standIn: PulumiStandIn;
    const savedPath = process.env.PATH;
    const use = (state: StandInState) => {
        standIn = installPulumiStandIn(state);
        process.env.PATH = standIn.path;
    };
    afterEach(() => {
        process.env.PATH = savedPath;
        standIn?.remove();
    });

    it("a failed pulumi up: the failing resource and its message, exit 1 (not `code: -2`)", async () => {
        const message =
            'the Kubernetes API server reported that "pneumonia/detector" failed to fully initialize or become live: Rollout.argoproj.io "detector" is invalid: spec.template.spec.containers[0].image: Required value';
        use({
            stacks: { production },
            fail: {
                up: { stdout: failedUpOutput("production", "kubernetes:argoproj.io/v1alpha1:Rollout (detector)", message), exit: 255 },
            },
        });
        const stack = await openAutomationStack("production");
        const error = await stack
            .up("rollback detector", () => undefined)
            .then(
                () => assert.fail("up must fail"),
                (e: unknown) => e,
            );
        assert.ok(error instanceof CheckFailedError, String(error));
        const { line, code } = describeFailure(error);
        assert.equal(code, 1);
        assert.equal(line, `pulumi up -s production failed: kubernetes:argoproj.io/v1alpha1:Rollout (detector): ${message}`);
    });

    it("a mandatory policy violation is named with its resource and message", () => {
        const stdout = [
            "Policies:",
            "    ❌ pneumonia-platform@v0.1.0 (local: policies)",
            "        - [mandatory]  rds-deletion-protection  (aws:rds/instance:Instance: database)",
            "          RDS instance database has no deletion protection",
            "",
        ].join("\n");
        assert.deepEqual(meaningfulLines({ stdout, stderr: "error: update failed\n" }), [
            "policy rds-deletion-protection (aws:rds/instance:Instance: database): RDS instance database has no deletion protection",
        ]);
    });

    it("a missing passphrase is an environment error, exit 2, with the CLI's words", async () => {
        use({
            stacks: { production },
            fail: {
                "stack output": {
                    stderr: "error: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables\n",
                    exit: 255,
                },
            },
        });
        const stack = await openAutomationStack("production");
        await assert.rejects(
            stack.outputs(),
            (e: Error) =>
                e instanceof UsageError &&
                /^pulumi stack output -s production: getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE/.test(
                    e.message,
                ),
        );
    });

    it("a pulumi on PATH that cannot start (the npm launcher without network) is an environment error naming it", () => {
        use({ stacks: {}, cannotStart: true });
        assert.throws(
            () => requirePulumi(),
            (e: Error) =>
                e instanceof UsageError &&
                e.message ===
                    `the pulumi CLI on PATH (${standIn.dir}/pulumi) cannot start: pulumi: fetch failed: install the CLI (https://www.pulumi.com/docs/iac/download-install/)`,
        );
        // The release CLI, run as npm runs it: one line, exit 2, before anything else.
        const result = runCli("src/release/cli.ts", ["rollback", "production"], { env: { ...process.env, PATH: standIn.path } });
        assert.equal(result.code, 2, result.stderr);
        assert.equal(
            result.stderr,
            `error: the pulumi CLI on PATH (${standIn.dir}/pulumi) cannot start: pulumi: fetch failed: install the CLI (https://www.pulumi.com/docs/iac/download-install/)\n`,
        );
    });
});
