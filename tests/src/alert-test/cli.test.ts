// `npm run alert-test` against a real Alertmanager (Debian's prometheus-alertmanager) started here
// on 127.0.0.1 with the platform's own routing config, its Slack, ticket and heartbeat receivers
// pointed at a local webhook server. Alertmanager's API v2 reports each alert's receivers
// (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml, gettableAlert.receivers).
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { alertmanagerYaml } from "../../../infra/monitoring/alertmanager";
import { main } from "../../../src/alert-test/cli";
import { freePort, waitUntil } from "../../../scripts/servers/postgres";
import { scratchDir, stackConfig } from "../../infra/monitoring/helpers";

describe("alert-test against a real Alertmanager", function () {
    this.timeout(90_000);
    const dir = scratchDir("alert-test");
    const received: Array<{ path: string; body: string }> = [];
    let webhook: Server;
    let alertmanager: ChildProcess;
    let url: string;
    let configFile: string;
    let hookBase: string;
    const lines: string[] = [];
    const deps = {
        open: async () => assert.fail("the stack is not opened when --alertmanager-url is given"),
        kubectl: ["false"],
        out: (l: string) => lines.push(l),
    };

    const config = (routing = (yaml: string) => yaml) =>
        routing(
            alertmanagerYaml(stackConfig("production").monitoring, {
                // No PagerDuty key: its integration would call out to events.pagerduty.com.
                slackWebhookUrl: `${hookBase}/slack`,
                ticketWebhookUrl: `${hookBase}/ticket`,
                heartbeatUrl: `${hookBase}/heartbeat`,
            }),
        );

    before(async () => {
        webhook = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                received.push({ path: req.url ?? "", body });
                res.writeHead(200).end("ok");
            });
        });
        const hookPort = await freePort();
        await new Promise<void>((resolve) => webhook.listen(hookPort, "127.0.0.1", resolve));
        hookBase = `http://127.0.0.1:${hookPort}`;
        configFile = join(dir.path, "alertmanager.yml");
        writeFileSync(configFile, config());
        const port = await freePort();
        alertmanager = spawn(
            "prometheus-alertmanager",
            [
                `--config.file=${configFile}`,
                `--storage.path=${join(dir.path, "data")}`,
                `--web.listen-address=127.0.0.1:${port}`,
                "--cluster.listen-address=",
            ],
            { stdio: "ignore" },
        );
        url = `http://127.0.0.1:${port}`;
        await waitUntil("Alertmanager ready", async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true);
    });

    after(async () => {
        if (alertmanager.exitCode === null) {
            const exited = new Promise((r) => alertmanager.once("exit", r));
            process.kill(alertmanager.pid!, "SIGTERM");
            await exited;
        }
        await new Promise((r) => webhook.close(r));
        dir.remove();
    });

    // Each case starts with no test alert firing: a critical one inhibits the lower severities'
    // (infra/monitoring/alertmanager.ts inhibit_rules, equal alertname and service).
    afterEach(async () => {
        const firing = (await (
            await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent('alertname="AlertDeliveryTest"')}`)
        ).json()) as Array<{ labels: object; startsAt: string }>;
        const now = new Date().toISOString();
        const resolved = firing.map((a) => ({ labels: a.labels, startsAt: a.startsAt, endsAt: now }));
        if (resolved.length > 0)
            await fetch(`${url}/api/v2/alerts`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify(resolved),
            });
    });

    it("routes a critical test alert to the pager and delivers it (Slack copy) after group_wait", async () => {
        lines.length = 0;
        assert.equal(await main(["production", "--severity", "critical", "--alertmanager-url", url], deps), 0);
        assert.match(lines.at(-1)!, /^production: critical test alert routed to pager-critical; it is sent after group_wait 10s/);
        const testId = /test_id=(\S+)/.exec(lines[0]!)![1]!;
        await waitUntil(
            "the Slack webhook",
            () => received.some((r) => r.path === "/slack" && r.body.includes("Alert delivery test (critical)")),
            30_000,
        );
        assert.ok(testId.length > 0);
    });

    for (const [severity, receiver] of [
        ["high", "pager-high"],
        ["medium", "ticket"],
        ["low", "chat-next-business-day"],
    ] as const) {
        it(`routes a ${severity} test alert to ${receiver}`, async () => {
            lines.length = 0;
            assert.equal(await main(["staging", "--severity", severity, "--alertmanager-url", url], deps), 0);
            assert.match(lines.at(-1)!, new RegExp(`^staging: ${severity} test alert routed to ${receiver};`));
        });
    }

    it("fails (exit 1) naming both receivers when routing sends a severity elsewhere", async () => {
        writeFileSync(
            configFile,
            config((yaml) => yaml.replace(/receiver: pager-critical\n(\s+)matchers:/, "receiver: ticket\n$1matchers:")),
        );
        const reload = await fetch(`${url}/-/reload`, { method: "POST" });
        assert.equal(reload.status, 200);
        try {
            await assert.rejects(
                main(["production", "--alertmanager-url", url], deps),
                /^CheckFailedError: critical test alert went to ticket, not pager-critical: check the routing tree$/,
            );
        } finally {
            writeFileSync(configFile, config());
            await fetch(`${url}/-/reload`, { method: "POST" });
        }
    });

    // Alertmanager's API v2 (api/v2/openapi.yaml): POST /silences returns {silenceID}; a silenced or
    // inhibited alert reads status.state "suppressed" with silencedBy (silence ids) / inhibitedBy
    // (fingerprints of the inhibiting alerts), and no notification is sent for it.
    it("fails (exit 1) naming the silence when a silence on severity=critical suppresses the test alert", async () => {
        const now = Date.now();
        const created = await fetch(`${url}/api/v2/silences`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
                matchers: [{ name: "severity", value: "critical", isRegex: false, isEqual: true }],
                startsAt: new Date(now).toISOString(),
                endsAt: new Date(now + 3_600_000).toISOString(),
                createdBy: "oncall@example.org",
                comment: "database maintenance",
            }),
        });
        assert.equal(created.status, 200);
        const { silenceID } = (await created.json()) as { silenceID: string };
        try {
            await assert.rejects(
                main(["production", "--alertmanager-url", url], deps),
                new RegExp(
                    `^CheckFailedError: critical test alert is routed to pager-critical but suppressed, so it will not be sent: silenced by silence ${silenceID} \\{severity="critical"\\} by oncall@example\\.org until \\S+ \\("database maintenance"\\)$`,
                ),
            );
        } finally {
            assert.equal((await fetch(`${url}/api/v2/silence/${silenceID}`, { method: "DELETE" })).status, 200);
        }
    });

    it("fails (exit 1) naming the inhibiting alert when a firing critical alert inhibits the high test alert", async () => {
        const now = Date.now();
        const labels = {
            alertname: "AlertDeliveryTest",
            severity: "critical",
            service: "alert-test",
            stack: "staging",
            test_id: "earlier-run",
        };
        const posted = await fetch(`${url}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([{ labels, startsAt: new Date(now).toISOString(), endsAt: new Date(now + 600_000).toISOString() }]),
        });
        assert.equal(posted.status, 200);
        await assert.rejects(
            main(["staging", "--severity", "high", "--alertmanager-url", url], deps),
            /^CheckFailedError: high test alert is routed to pager-high but suppressed, so it will not be sent: inhibited by alert \{alertname="AlertDeliveryTest", severity="critical", service="alert-test", test_id="earlier-run"\} until \S+$/,
        );
    });

    it("delivers the always-firing Watchdog to the heartbeat URL", async () => {
        const now = new Date();
        await fetch(`${url}/api/v2/alerts`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([
                {
                    labels: { alertname: "Watchdog", severity: "none" },
                    startsAt: now.toISOString(),
                    endsAt: new Date(now.getTime() + 60_000).toISOString(),
                },
            ]),
        });
        await waitUntil(
            "the heartbeat",
            () => received.some((r) => r.path === "/heartbeat" && r.body.includes('"alertname":"Watchdog"')),
            30_000,
        );
    });

    it("exits 2 for a stack without a stack file before posting anything, as every command does", async () => {
        await assert.rejects(
            main(["qa", "--alertmanager-url", url], deps),
            /^UsageError: stack "qa": no Pulumi\.qa\.yaml \(stacks: local, production, staging\)$/,
        );
    });

    it("exits 2 on an unknown severity and 1 when Alertmanager does not answer", async () => {
        await assert.rejects(
            main(["production", "--severity", "sev1", "--alertmanager-url", url], deps),
            /^UsageError: --severity: expected one of critical, high, medium, low, got "sev1"$/,
        );
        const closed = await freePort();
        await assert.rejects(
            main(["production", "--alertmanager-url", `http://127.0.0.1:${closed}`], deps),
            /^CheckFailedError: Alertmanager http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts: fetch failed$/,
        );
    });
});
