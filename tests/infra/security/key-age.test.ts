// The key-age alert end to end in promtool: the recording rules generated from the stack config
// (one due date per key) and the SEV-4 alert reading them, evaluated from the epoch with a key
// "issued" on 1970-01-01 and a one-day rotation period, so the clock can pass its due date.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { caseTests, expectedAlerts, promtoolTestFile, runTool } from "../../../infra/monitoring/promtool";
import { alertRule } from "../../../infra/monitoring/rules";
import { keyRotationRules, securityAlerts } from "../../../infra/security/key-age";
import { scratchDir, stackConfig } from "../monitoring/helpers";

describe("security: EdgeClientKeyRotationDue (promtool)", function () {
    this.timeout(120_000);
    const config = stackConfig("production").monitoring;
    const definitions = securityAlerts();
    const [alert] = definitions;
    const dir = scratchDir("key-age-");
    after(() => dir.remove());

    // A key issued at the epoch with a 1-day period is due at 86400 s; one stated a day later is not, yet.
    // One group, recording rules first: promtool then evaluates them in that order at every step.
    const keys = keyRotationRules(
        { "radiology-pacs": { keys: ["k1", "k2"] } },
        { keyIssued: { "radiology-pacs.k1": "1970-01-01", "radiology-pacs.k2": "1970-01-02" }, keyRotationDays: 1 },
    );
    const rules = { groups: [{ name: "keys", rules: [...keys, alertRule(config, alert!)] }] };
    writeFileSync(join(dir.path, "rules.yaml"), stringify(rules, { lineWidth: 0 }));
    const due = { client: "radiology-pacs", key: "k1" };
    const at = (evalTime: "20h" | "26h", firing: Record<string, string>[]) => ({
        name: `at ${evalTime}`,
        interval: "10m" as const,
        input_series: [],
        alert_rule_test: [
            {
                eval_time: evalTime,
                alertname: alert!.name,
                exp_alerts: firing.flatMap((labels) => expectedAlerts(config, definitions, alert!.name, ["low"], labels)),
            },
        ],
    });
    const run = async (name: string, tests: ReturnType<typeof at>[]) => {
        writeFileSync(join(dir.path, name), promtoolTestFile("rules.yaml", "10m", tests));
        return runTool("promtool", ["test", "rules", name], dir.path);
    };

    it("fires for the key past its period (after the 1h for), not for the key still inside it, nor before", async () => {
        const result = await run("end-to-end.yaml", [at("26h", [due]), at("20h", [])]);
        assert.equal(result.code, 0, result.output);
    });

    it("the test can fail: expecting the younger key or an early alert makes promtool fail", async () => {
        assert.notEqual((await run("wrong-key.yaml", [at("26h", [due, { client: "radiology-pacs", key: "k2" }])])).code, 0);
        assert.notEqual((await run("too-early.yaml", [at("20h", [due])])).code, 0);
    });

    it("the definition's own cases (fed the recorded series) hold", async () => {
        writeFileSync(
            join(dir.path, "alert-only.yaml"),
            stringify({ groups: [{ name: "alerts", rules: [alertRule(config, alert!)] }] }, { lineWidth: 0 }),
        );
        writeFileSync(join(dir.path, "cases.yaml"), promtoolTestFile("alert-only.yaml", "10m", caseTests(config, definitions, alert!)));
        const result = await runTool("promtool", ["test", "rules", "cases.yaml"], dir.path);
        assert.equal(result.code, 0, result.output);
    });
});
