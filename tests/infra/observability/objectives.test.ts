// The manual's numbers have one home, infra/observability/objectives.ts: the alerts, the dashboards, the health
// check and the config defaults read them from there. These cases hold each consumer to it, and
// keep the config sections free of an import circle with infra/config.ts.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentDefaults } from "../../../infra/config";
import { objectives, scalingTriggers, severities, severityClasses } from "../../../infra/observability/objectives";
import * as alerts from "../../../infra/monitoring/alerts";
import * as vocabulary from "../../../infra/observability/alerts";
import { docsConfig } from "../../../src/monitoring/docs";
import { dashboards } from "../../../infra/monitoring/dashboards";
import { thresholds } from "../../../src/health/checks";

const config = docsConfig;
const definitions = alerts.alertDefinitions(config);
const byName = (name: string) => definitions.find((d) => d.name === name)!;
/** The number an alert compares against: the last literal of its expression. */
const threshold = (name: string) => Number(/([\d.]+)\s*$/.exec(byName(name).expr)![1]);

describe("infra/observability/objectives.ts, the one source of the manual's numbers", () => {
    it("the alerts fire at the manual's limits", () => {
        assert.equal(threshold("DetectorErrorRateHigh"), objectives.errorRate);
        assert.equal(threshold("DetectorLatencyHigh"), objectives.latencySeconds);
        assert.equal(threshold("DetectorCpuHigh"), objectives.cpuPercent);
        assert.equal(threshold("DetectorMemoryHigh"), objectives.memoryPercent);
        assert.equal(threshold("NodeDiskSpaceLow"), objectives.diskFreePercent / 100);
    });

    it("the capacity alerts fire at the manual's scaling triggers, over their windows", () => {
        assert.equal(threshold("DetectorCpuCapacity"), scalingTriggers.cpu.percent);
        assert.match(byName("DetectorCpuCapacity").expr, new RegExp(`\\[${scalingTriggers.cpu.window}\\]`));
        assert.equal(threshold("DetectorMemoryCapacity"), scalingTriggers.memory.percent);
        assert.match(byName("DetectorMemoryCapacity").expr, new RegExp(`\\[${scalingTriggers.memory.window}\\]`));
        assert.equal(threshold("DetectorLatencyCapacity"), scalingTriggers.latency.seconds);
        assert.match(byName("DetectorLatencyCapacity").expr, new RegExp(`:avg${scalingTriggers.latency.window}\\{`));
        assert.equal(threshold("DetectorErrorRateCapacity"), scalingTriggers.errorRate.ratio);
        assert.match(byName("DetectorErrorRateCapacity").expr, new RegExp(`ratio_rate${scalingTriggers.errorRate.window}\\{`));
    });

    it("the severities and their classes are the manual's, re-exported where alert modules look for them", () => {
        assert.equal(vocabulary.severities, severities);
        assert.equal(vocabulary.severityClasses, severityClasses);
        for (const d of definitions) assert.ok(severities.includes(d.severity), d.name);
        assert.equal(alerts.slo.availability, objectives.availability);
    });

    it("the health check judges by the same limits", () => {
        assert.equal(thresholds.errorRate, objectives.errorRate);
        assert.equal(thresholds.latencySeconds, objectives.latencySeconds);
        assert.equal(thresholds.cpuPercent, objectives.cpuPercent);
        assert.equal(thresholds.memoryPercent, objectives.memoryPercent);
        assert.equal(thresholds.diskFreePercent, objectives.diskFreePercent);
    });

    it("the dashboards draw the same limits", () => {
        const panels = dashboards(config, "pneumonia").flatMap(
            (d) => (d.json as { panels: { title: string; fieldConfig?: any }[] }).panels,
        );
        const red = (title: string) =>
            panels
                .find((p) => p.title === title)!
                .fieldConfig.defaults.thresholds.steps.find((s: { color: string; value: number | null }) => s.value !== null).value;
        assert.equal(red("Error rate"), objectives.errorRate);
        assert.equal(red("Success rate"), objectives.inferenceSuccessRate);
        assert.equal(red("CPU against limit"), objectives.cpuPercent / 100);
        assert.equal(red("Memory against limit"), objectives.memoryPercent / 100);
        assert.equal(red("Disk free"), objectives.diskFreePercent / 100);
    });

    it("the HPA's default CPU target is the manual's scaling trigger", () => {
        for (const env of ["local", "staging", "production"] as const) {
            assert.equal(environmentDefaults(env).detector?.cpuTargetPercent, scalingTriggers.cpu.percent);
        }
    });

    it("the config sections do not import infra/config.ts, which composes them", () => {
        for (const file of ["infra/monitoring/config.ts", "infra/backups/config.ts"]) {
            const source = fs.readFileSync(path.resolve(__dirname, "../../..", file), "utf8");
            const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => path.resolve(path.dirname(file), m[1]!));
            assert.ok(!imports.includes(path.resolve("infra/config")), `${file} imports infra/config.ts`);
        }
    });
});
