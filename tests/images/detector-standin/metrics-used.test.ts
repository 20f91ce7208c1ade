// Every raw detector series the platform reads — in the rendered alert and recording rules and the
// Grafana dashboards, selected by the detector's job — is one the stand-in exposes. New alerts or
// panels on detector metrics are covered without touching this test.
import * as assert from "node:assert/strict";
import { monitoringArtifacts } from "../../../infra/monitoring";
import { parsePlatformConfig } from "../../../infra/config";
import { parseExposition } from "../../../src/contract/exposition";
import { readStackConfig } from "../../../src/plan/run";
import { startStandIn } from "../../helpers/standin";

describe("detector stand-in: the metrics the rules and dashboards read", function () {
    this.timeout(30_000);

    it("exposes every series selected with the detector's job", async () => {
        const config = parsePlatformConfig(readStackConfig("production").values, "production");
        const job = config.monitoring.detector.job;
        const text = monitoringArtifacts(config)
            .map((a) => a.content)
            .join("\n");
        // metric{job="pneumonia-detector"... in YAML, metric{job=\"pneumonia-detector\"... in dashboard JSON
        const pattern = new RegExp(`([a-zA-Z_:][a-zA-Z0-9_:]*)\\{job=\\\\?"${job.replace(/[.-]/g, "\\$&")}\\\\?"`, "g");
        const read = new Set([...text.matchAll(pattern)].map((m) => m[1]!).filter((name) => !name.includes(":") && name !== "up"));
        assert.ok(read.size >= 6, `too few detector series found to mean anything: ${[...read].join(", ")}`);

        const standIn = await startStandIn();
        try {
            const exposed = new Set(parseExposition(await (await fetch(standIn.metricsUrl)).text()).samples.map((s) => s.name));
            const missing = [...read].filter((name) => !exposed.has(name));
            assert.deepEqual(missing, [], `read by rules or dashboards but not exposed: ${missing.join(", ")}`);
        } finally {
            await standIn.stop();
        }
    });
});
