// Paging that a stack cannot lack: a paged stack's `pulumi up` stops, before anything is declared,
// when an Alertmanager receiver secret is missing; previews and the offline plan (which cannot
// read secrets) warn; local, which pages nobody, says nothing.
import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig } from "../../../infra/config";
import { missingReceivers, receiverSecretKeys } from "../../../infra/monitoring/alertmanager";
import { monitoringDefaults } from "../../../infra/monitoring/config";
import { mockCall, mockOutputs } from "../../../src/plan/mocks";
import { planStack, readStackConfig } from "../../../src/plan/run";

const all = [...receiverSecretKeys];

describe("monitoring: receiver secrets", () => {
    it("only production pages by default", () => {
        assert.deepEqual(
            (["local", "staging", "production"] as const).map((env) => monitoringDefaults(env).paged),
            [false, false, true],
        );
    });

    it("a paged stack's update fails with one line naming the keys and the command", () => {
        assert.deepEqual(missingReceivers({ paged: true }, "production", ["slackWebhookUrl"], false), {
            error: "pagerdutyRoutingKey, ticketWebhookUrl, heartbeatUrl: required, the stack pages (monitoring.paged): pulumi config set --secret pagerdutyRoutingKey <value> (and likewise ticketWebhookUrl, heartbeatUrl)",
        });
        assert.deepEqual(missingReceivers({ paged: true }, "staging", ["pagerdutyRoutingKey", "slackWebhookUrl", "heartbeatUrl"], false), {
            error: "ticketWebhookUrl: required, the stack pages (monitoring.paged): pulumi config set --secret ticketWebhookUrl <value>",
        });
    });

    it("a paged stack's preview warns, saying the update will refuse", () => {
        const { error, warning } = missingReceivers({ paged: true }, "production", [], true);
        assert.equal(error, undefined);
        assert.match(
            warning!,
            /^no pagerdutyRoutingKey, slackWebhookUrl, ticketWebhookUrl, heartbeatUrl in the stack config: pulumi up will refuse to run until set: pulumi config set --secret pagerdutyRoutingKey <value>/,
        );
    });

    it("an unpaged cloud stack warns that alerts are dropped; local says nothing; a complete stack nothing", () => {
        assert.deepEqual(missingReceivers({ paged: false }, "staging", [], false), {
            warning:
                "no pagerdutyRoutingKey, slackWebhookUrl, ticketWebhookUrl, heartbeatUrl in the stack config: alerts routed there are dropped",
        });
        assert.deepEqual(missingReceivers({ paged: false }, "local", [], false), {});
        assert.deepEqual(missingReceivers({ paged: true }, "production", all, false), {});
    });

    describe("in the program, as pulumi up and pulumi preview run it", () => {
        /** Sets up the runtime the way the engine does for `up` (dryRun false) or `preview`, with production's stack file. */
        async function production(dryRun: boolean, secrets: Record<string, string>) {
            const { project, values } = readStackConfig("production");
            await pulumi.runtime.setMocks(
                { newResource: (a) => mockOutputs(a, "eu-west-1"), call: (a) => mockCall(a, "eu-west-1") },
                project,
                "production",
                dryRun,
            );
            const config = Object.entries({ ...values, ...secrets }).map(([k, v]) => [
                `${project}:${k}`,
                typeof v === "string" ? v : JSON.stringify(v),
            ]);
            pulumi.runtime.setAllConfig(
                Object.fromEntries(config),
                Object.keys(secrets).map((k) => `${project}:${k}`),
            );
        }

        it("pulumi up: loadConfig refuses, as a RunError (no stack trace from the engine)", async () => {
            await production(false, { slackWebhookUrl: "https://hooks.slack.test/services/T0/B0/X" });
            assert.throws(loadConfig, (e: Error) => {
                assert.ok(e instanceof ConfigError && pulumi.RunError.isInstance(e));
                assert.equal(
                    e.message,
                    "pneumonia-platform:pagerdutyRoutingKey, ticketWebhookUrl, heartbeatUrl: required, the stack pages (monitoring.paged): pulumi config set --secret pagerdutyRoutingKey <value> (and likewise ticketWebhookUrl, heartbeatUrl)",
                );
                return true;
            });
        });

        it("pulumi up: loadConfig accepts the stack once every receiver secret is set", async () => {
            await production(false, {
                pagerdutyRoutingKey: "R0UT1NG",
                slackWebhookUrl: "https://hooks.slack.test/x",
                ticketWebhookUrl: "https://tickets.test/x",
                heartbeatUrl: "https://heartbeat.test/x",
            });
            assert.equal(loadConfig().monitoring.paged, true);
        });

        it("pulumi preview: loadConfig lets it through", async () => {
            await production(true, {});
            assert.equal(loadConfig().environment, "production");
        });

        it("the offline plan of production runs as a preview and plans", async () => {
            const plan = await planStack("production");
            assert.ok(plan.resources.length > 100);
        });
    });
});
