import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configDir, loadStackConfig, PolicyConfigError, reconcileConfig } from "../../../src/policy/config";
import { pack } from "../../../src/policy/pack";

const stacks = ["local", "staging", "production"];

function withConfig(stack: string, document: unknown): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    fs.writeFileSync(path.join(dir, `${stack}.json`), typeof document === "string" ? document : JSON.stringify(document));
    return dir;
}

describe("src/policy/config", () => {
    it("loads policies/config/<stack>.json for every stack", () => {
        for (const stack of stacks) assert.equal(loadStackConfig(stack, pack.policies).size, pack.policies.length);
    });

    it("keeps every policy mandatory in staging and production", () => {
        for (const stack of ["staging", "production"]) {
            for (const [name, settings] of loadStackConfig(stack, pack.policies))
                assert.equal(settings.enforcementLevel, "mandatory", `${stack}: ${name}`);
        }
    });

    it("runs production on the pack's defaults: its file relaxes nothing", () => {
        const production = JSON.parse(fs.readFileSync(path.join(configDir, "production.json"), "utf8"));
        for (const [name, value] of Object.entries(production)) {
            if (name === "all") continue;
            const keys = Object.keys(value as object).filter((k) => k !== "enforcementLevel");
            assert.deepEqual(
                keys.filter((k) => k !== "exemptions"),
                [],
                `production.json changes ${name} thresholds`,
            );
        }
    });

    it("rejects advisory or disabled outside local, and allows advisory in local", () => {
        assert.throws(
            () => loadStackConfig("staging", pack.policies, withConfig("staging", { "kubernetes-probes": "advisory" })),
            /"kubernetes-probes": advisory is allowed only in local/,
        );
        assert.throws(
            () => loadStackConfig("production", pack.policies, withConfig("production", { all: "disabled" })),
            /disabled is allowed only in local/,
        );
        const local = loadStackConfig("local", pack.policies, withConfig("local", { "kubernetes-probes": "advisory" }));
        assert.equal(local.get("kubernetes-probes")!.enforcementLevel, "advisory");
    });

    it("names the file, policy and key of every mistake in one line", () => {
        const cases: [unknown, RegExp][] = [
            ["{", /production\.json: not valid JSON/],
            [[], /expected a JSON object of policy names/],
            [{ "no-such-policy": "mandatory" }, /"no-such-policy": no such policy in the pack/],
            [{ "kubernetes-min-replicas": "strict" }, /"kubernetes-min-replicas": "strict" is not an enforcement level/],
            [{ "kubernetes-min-replicas": { minReplica: 2 } }, /"kubernetes-min-replicas"\.minReplica: unknown key/],
            [{ "kubernetes-min-replicas": { minReplicas: "two" } }, /"kubernetes-min-replicas"\.minReplicas: must be integer/],
            [
                { "kubernetes-probes": { exemptions: [{ resource: "x", reason: "short" }] } },
                /"kubernetes-probes"\.exemptions\.0\.reason: must NOT have fewer than 10 characters/,
            ],
        ];
        for (const [document, message] of cases) {
            assert.throws(
                () => loadStackConfig("production", pack.policies, withConfig("production", document)),
                (e: Error) => e instanceof PolicyConfigError && message.test(e.message) && !e.message.includes("\n"),
            );
        }
        assert.throws(
            () => loadStackConfig("qa", pack.policies),
            (e: Error) =>
                e instanceof PolicyConfigError &&
                e.message ===
                    'policies/config/qa.json: no policy config for stack "qa": create it from another stack\'s, e.g. cp policies/config/production.json policies/config/qa.json (configs: local, production, staging)',
        );
    });

    it("does not let config change one policy's defaults for another", () => {
        const config = reconcileConfig(pack.policies, { "kubernetes-min-replicas": { minReplicas: 1 } }, "test");
        assert.equal(config.get("kubernetes-min-replicas")!.properties.minReplicas, 1);
        assert.deepEqual(config.get("kubernetes-pod-disruption-budget")!.properties, { required: true, exemptions: [] });
    });
});
