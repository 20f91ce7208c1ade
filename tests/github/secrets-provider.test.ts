// One secrets story: staging and production encrypt with the awskms:// key the bootstrap makes
// (preflight refuses another provider), no workflow holds a passphrase; only `local` uses one.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const workflows = path.join(root, ".github/workflows");

describe("secrets provider: awskms:// everywhere but local", () => {
    it("no workflow exports a Pulumi passphrase", () => {
        for (const file of fs.readdirSync(workflows)) {
            assert.ok(!fs.readFileSync(path.join(workflows, file), "utf8").includes("PULUMI_CONFIG_PASSPHRASE"), file);
        }
    });

    it("the passphrase provider appears only in the local platform's scripts", () => {
        const users = ["scripts", "src"].flatMap((dir) =>
            fs
                .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
                .filter(
                    (f) =>
                        f.endsWith(".ts") &&
                        /"--secrets-provider", "passphrase"|secretsProvider: "passphrase"/.test(
                            fs.readFileSync(path.join(root, dir, f), "utf8"),
                        ),
                )
                .map((f) => `${dir}/${f}`),
        );
        assert.deepEqual(users, ["scripts/local-up.ts"]);
    });
});
