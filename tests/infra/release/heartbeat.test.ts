// The Watchdog heartbeat: with a heartbeat URL (staging, production) the always-firing Watchdog
// goes to the dead man's switch every few minutes; without one (local) it goes nowhere. Routing is
// checked by amtool (`amtool config routes test`, Alertmanager's own routing tree).
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { alertmanagerYaml, heartbeat } from "../../../infra/monitoring/alertmanager";
import { runTool } from "../../../infra/monitoring/promtool";
import { scratchDir, stackConfig } from "../monitoring/helpers";

const secrets = {
    pagerdutyRoutingKey: "R0UT1NGKEY0000000000000000000000",
    heartbeatUrl: "https://hc-ping.example.test/0000-heartbeat",
};

describe("release: Watchdog heartbeat routing (amtool)", () => {
    let dir: ReturnType<typeof scratchDir>;
    before(() => (dir = scratchDir("heartbeat")));
    after(() => dir.remove());
    const routesTo = async (yaml: string, receiver: string, labels: string[]) => {
        const file = join(dir.path, "alertmanager.yaml");
        writeFileSync(file, yaml);
        return (
            (
                await runTool(
                    "amtool",
                    ["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels],
                    dir.path,
                )
            ).code === 0
        );
    };

    it("sends Watchdog to the heartbeat receiver when a heartbeat URL is set, and nothing else", async () => {
        const yaml = alertmanagerYaml(stackConfig("production").monitoring, secrets);
        assert.ok(await routesTo(yaml, "heartbeat", ["alertname=Watchdog", "severity=none"]));
        assert.ok(!(await routesTo(yaml, "null", ["alertname=Watchdog", "severity=none"])));
        assert.ok(await routesTo(yaml, "null", ["alertname=InfoInhibitor", "severity=none"]));
        assert.ok(await routesTo(yaml, "pager-critical", ["alertname=DetectorDown", "severity=critical", "service=detector"]));
    });

    it("drops Watchdog where there is no heartbeat URL (local)", async () => {
        const yaml = alertmanagerYaml(stackConfig("local").monitoring, { pagerdutyRoutingKey: secrets.pagerdutyRoutingKey });
        assert.ok(await routesTo(yaml, "null", ["alertname=Watchdog", "severity=none"]));
        assert.ok(!(await routesTo(yaml, "heartbeat", ["alertname=Watchdog", "severity=none"])));
    });

    it("repeats the heartbeat every 5 minutes, to the URL, without resolve messages", async () => {
        const config = parse(alertmanagerYaml(stackConfig("staging").monitoring, secrets)) as {
            route: { routes: Array<Record<string, unknown>> };
            receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; send_resolved: boolean }> }>;
        };
        const route = config.route.routes[0]!;
        assert.equal(route.receiver, heartbeat.receiver);
        assert.equal(route.repeat_interval, "5m");
        assert.deepEqual(config.receivers.find((r) => r.name === "heartbeat")!.webhook_configs, [
            { url: secrets.heartbeatUrl, send_resolved: false },
        ]);
        const file = join(dir.path, "check.yaml");
        writeFileSync(file, alertmanagerYaml(stackConfig("staging").monitoring, secrets));
        const check = await runTool("amtool", ["check-config", file], dir.path);
        assert.equal(check.code, 0, check.output);
    });
});
