import * as assert from "node:assert/strict";
import Ajv from "ajv";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackConfig } from "../../src/policy/config";
import { evaluate } from "../../src/policy/evaluate";
import { pack } from "../../src/policy/pack";
import { validateKubernetesObject } from "../helpers/kubernetes-schema";
import { policies } from "../../policies/policies";
import { compliantPlatform } from "./factory";

describe("policies (the pack)", () => {
    it("names every policy once, with a description, severity, source and config schema", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
            assert.ok(p.description.length > 20, p.name);
            assert.ok(["low", "medium", "high", "critical"].includes(p.severity), p.name);
            assert.ok(p.framework.name && p.framework.reference, p.name);
            assert.equal(p.enforcementLevel, "mandatory", p.name);
            assert.ok(p.configSchema.properties.exemptions, p.name);
        }
    });

    it("keeps one module per policy file under policies/, each listed in policies.ts", () => {
        const root = path.resolve(__dirname, "../../policies");
        const modules = ["aws", "kubernetes", "stack"].flatMap((dir) =>
            fs.readdirSync(path.join(root, dir)).map((f) => `./${dir}/${f.replace(/\.ts$/, "")}`),
        );
        const list = fs.readFileSync(path.join(root, "policies.ts"), "utf8");
        for (const module of modules) assert.ok(list.includes(`from "${module}"`), `${module} is not wired into policies.ts`);
        // index.ts only builds the pack from that list.
        assert.match(fs.readFileSync(path.join(root, "index.ts"), "utf8"), /new PolicyPack\(packName, \{[^}]*policies,\s*\}\);/s);
    });

    it("gives every setting a default that satisfies its own schema (the evaluator validates only what a file sets)", () => {
        const ajv = new Ajv({ strict: false });
        for (const p of policies) {
            const schema = { type: "object", properties: p.configSchema.properties };
            const defaults = Object.fromEntries(
                Object.entries(p.configSchema.properties).map(([k, s]) => [k, (s as { default?: unknown }).default]),
            );
            assert.ok(
                Object.values(defaults).every((d) => d !== undefined),
                `${p.name}: a setting without default`,
            );
            assert.ok(ajv.validate(schema, defaults), `${p.name}: ${ajv.errorsText()}`);
        }
    });

    it("has a test file mirroring every policy module", () => {
        const root = path.resolve(__dirname, "../..");
        for (const dir of ["aws", "kubernetes", "stack", "lib"]) {
            for (const file of fs.readdirSync(path.join(root, "policies", dir)).filter((f) => f.endsWith(".ts"))) {
                // lib/definitions, lib/sources and lib/workload-policy are exercised by every policy test.
                if (dir === "lib" && ["definitions.ts", "sources.ts", "workload-policy.ts"].includes(file)) continue;
                const test = path.join(root, "tests/policies", dir, file.replace(/\.ts$/, ".test.ts"));
                assert.ok(fs.existsSync(test), `no ${path.relative(root, test)}`);
            }
        }
    });

    it("passes the compliant platform fixture with production settings: no violation of any policy", async () => {
        const config = loadStackConfig("production", pack.policies);
        const { violations } = await evaluate(pack, compliantPlatform(), config);
        assert.deepEqual(violations, []);
    });

    it("builds Kubernetes fixtures the API server would accept", async () => {
        for (const r of compliantPlatform().filter((r) => r.type.startsWith("kubernetes:") && r.props.kind)) {
            await validateKubernetesObject(r.props);
        }
    });

    it("uses the pinned @pulumi/policy and @pulumi/pulumi versions of the repository", () => {
        const root = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"));
        const own = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../policies/package.json"), "utf8"));
        assert.match(own.version, /^\d+\.\d+\.\d+$/);
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/aws", "@pulumi/kubernetes"]) {
            assert.equal(own.dependencies[dep], root.dependencies[dep], dep);
        }
    });
});
