import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { severities } from "../../../infra/observability/alerts";
import {
    alertmanagerArtifact,
    alertmanagerConfig,
    alertmanagerYaml,
    secretPlaceholders,
    timings,
} from "../../../infra/monitoring/alertmanager";
import { receiverFor } from "../../../infra/observability/runbook";
import { runTool } from "../../../infra/monitoring/promtool";
import { scratchDir, stackConfig, stacks } from "./helpers";

/** Fake but well-formed receiver secrets; never real ones in tests. */
const fakeSecrets = {
    pagerdutyRoutingKey: "R0UT1NGKEY0000000000000000000000",
    slackWebhookUrl: "https://hooks.slack.test/services/T000/B000/XXXX",
    ticketWebhookUrl: "https://tickets.example.test/hooks/alertmanager",
};

describe("monitoring: Alertmanager config", () => {
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("alertmanager")));
    after(() => dir.remove());

    const amtool = (...args: string[]) => runTool("amtool", args, dir.path);
    const write = (name: string, content: string) => {
        const file = join(dir.path, name);
        writeFileSync(file, content);
        return file;
    };

    for (const stack of stacks) {
        it(`${stack}: the rendered artifact passes amtool check-config`, async () => {
            const result = await amtool("check-config", write(`${stack}.yaml`, alertmanagerArtifact(stackConfig(stack).monitoring)));
            assert.equal(result.code, 0, result.output);
            assert.match(result.output, /SUCCESS/);
        });
    }

    it("amtool check-config rejects a route to an unknown receiver (the check can fail)", async () => {
        const broken = alertmanagerArtifact(stackConfig("production").monitoring).replace("receiver: pager-high", "receiver: nobody");
        const result = await amtool("check-config", write("broken.yaml", broken));
        assert.notEqual(result.code, 0);
    });

    describe("routes each severity to its receiver", () => {
        const cases: Array<[Record<string, string>, string]> = [
            ...severities.map((severity): [Record<string, string>, string] => [
                { severity, alertname: "DetectorErrorBudgetBurn", service: "detector" },
                receiverFor[severity],
            ]),
            [{ severity: "warning", alertname: "KubePodCrashLooping", namespace: "pneumonia" }, "ticket"],
            [{ severity: "none", alertname: "Watchdog" }, "heartbeat"],
            [{ severity: "info", alertname: "CPUThrottlingHigh" }, "null"],
            [{ alertname: "SomethingWithoutSeverity" }, "ticket"],
        ];
        for (const [labels, receiver] of cases) {
            const text = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
            it(`${text.join(" ")} -> ${receiver}`, async () => {
                const file = write("routes.yaml", alertmanagerArtifact(stackConfig("production").monitoring));
                const ok = await amtool("config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...text);
                assert.equal(ok.code, 0, ok.output);
                const wrong = receiver === "ticket" ? "pager-critical" : "ticket";
                const mismatch = await amtool("config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${wrong}`, ...text);
                assert.notEqual(mismatch.code, 0, `${text.join(" ")} must not reach ${wrong}`);
            });
        }
    });

    it("pages critical at once and holds low for business hours", () => {
        const route = alertmanagerConfig(stackConfig("production").monitoring, {}).route as { routes: Array<Record<string, unknown>> };
        const critical = route.routes.find((r) => r.receiver === receiverFor.critical)!;
        const low = route.routes.find((r) => r.receiver === receiverFor.low)!;
        assert.equal(critical.group_wait, "10s");
        assert.equal(critical.repeat_interval, "15m");
        assert.deepEqual(low.active_time_intervals, ["business-hours"]);
        assert.deepEqual(low.group_by, ["service"]);
        // Repeat intervals never exceed the severity's response target, except SEV-4's next business day.
        const seconds = (d: string) => Number(d.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[d.slice(-1) as "s" | "m" | "h"];
        assert.ok(seconds(timings.critical.repeat_interval) <= 15 * 60);
        assert.ok(seconds(timings.high.repeat_interval) <= 3600);
        assert.ok(seconds(timings.medium.repeat_interval) <= 4 * 3600);
    });

    it("critical inhibits lower severities of the same alertname and service", () => {
        const config = alertmanagerConfig(stackConfig("production").monitoring, {});
        const rules = config.inhibit_rules as Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
        const rule = rules.find((r) => r.source_matchers.includes('severity="critical"'))!;
        assert.deepEqual(rule.equal, ["alertname", "service"]);
        assert.match(rule.target_matchers[0], /high\|medium\|low/);
    });

    it("puts the receiver secrets only where the Secret needs them; the artifact has placeholders", () => {
        const monitoring = stackConfig("production").monitoring;
        const real = alertmanagerYaml(monitoring, fakeSecrets);
        for (const value of Object.values(fakeSecrets)) assert.ok(real.includes(value));
        const artifact = alertmanagerArtifact(monitoring);
        for (const value of Object.values(fakeSecrets)) assert.ok(!artifact.includes(value));
        for (const placeholder of Object.values(secretPlaceholders)) assert.ok(artifact.includes(placeholder));
    });

    it("drops integrations whose secret is unset and stays valid", async () => {
        const yaml = alertmanagerYaml(stackConfig("local").monitoring, {});
        const receivers = (parse(yaml) as { receivers: Array<Record<string, unknown>> }).receivers;
        assert.ok(
            receivers.every((r) => Object.keys(r).length === 1),
            "only names, no integrations",
        );
        const result = await amtool("check-config", write("empty.yaml", yaml));
        assert.equal(result.code, 0, result.output);
    });
});
