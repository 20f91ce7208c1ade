import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError, parsePlatformConfig, refuseExampleValues } from "../../../infra/config";
import { exampleValuesAllowed, findPlaceholders } from "../../../infra/platform/placeholders";
import { runbookBaseUrl, signingIdentity } from "../../../infra/platform/repository";
import { readStackConfig } from "../../../src/plan/run";

/** A stack file's settings, without its (encrypted) secrets, as the program's config schema reads them. */
const settingsOf = (stack: string, root?: string) => {
    const { values, secretKeys } = readStackConfig(stack, root ? { root } : {});
    return Object.fromEntries(Object.entries(values).filter(([key]) => !secretKeys.includes(key)));
};
const filled = path.resolve(__dirname, "../../src/preflight/fixtures/filled");

describe("infra/platform: example values and the repository setting", () => {
    it("recognises the documentation's accounts, RFC 2606 domains, EXAMPLE ids, all-zero ids and digests", () => {
        const found = findPlaceholders({
            a: "arn:aws:iam::111122223333:role/x",
            b: ["subnet-0000000000000000a", "subnet-07a1b2c3d4e5f6071"],
            c: { host: "api.example.org", zone: "Z0EXAMPLE0STAGING", repo: "example-org/pneumonia-platform" },
            d: `r.example/x@sha256:${"0".repeat(64)}`,
        });
        assert.deepEqual(
            found.map((f) => f.key),
            ["a", "b[0]", "c.host", "c.zone", "c.repo", "d"],
        );
    });

    it("passes real-looking values: other accounts, real domains, non-zero ids", () => {
        assert.deepEqual(findPlaceholders(settingsOf("production", filled)), []);
        assert.deepEqual(findPlaceholders({ host: "counterexample.net.eu", vpc: "vpc-0a00000000000000b", acct: "1111222233334" }), []);
    });

    it("staging and production refuse the committed example values when a real engine runs them", () => {
        for (const stack of ["staging", "production"]) {
            assert.throws(
                () => refuseExampleValues(settingsOf(stack), stack, false),
                (e: Error) =>
                    e instanceof ConfigError &&
                    /^repository: expected a real value, got the example "example-org\/pneumonia-platform" \(.+\) \(and \d+ more: npm run preflight -- \w+ lists them\)$/.test(
                        e.message,
                    ),
            );
        }
    });

    it("the offline plan and local run them; a filled stack file passes", () => {
        assert.doesNotThrow(() => refuseExampleValues(settingsOf("staging"), "staging", true));
        assert.doesNotThrow(() => refuseExampleValues(settingsOf("local"), "local", false));
        assert.doesNotThrow(() => refuseExampleValues(settingsOf("production", filled), "production", false));
        assert.equal(exampleValuesAllowed({}), false, "nothing but the plan's variable allows them");
    });

    it("derives CI's signing identity and the runbook links from the one repository setting; the file may still override", () => {
        const raw = settingsOf("production", filled);
        const c = parsePlatformConfig(raw, "production");
        // Fulcio's certificate for a GitHub Actions workflow names <repo URL>/<workflow path>@<ref>
        // (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md, "Build Signer URI").
        assert.equal(
            c.images.signing.identity,
            "https://github.com/radiology-lab/pneumonia-platform/.github/workflows/delivery.yml@refs/heads/main",
        );
        assert.equal(c.monitoring.runbookBaseUrl, "https://github.com/radiology-lab/pneumonia-platform/blob/main");
        assert.equal(signingIdentity("o/r"), "https://github.com/o/r/.github/workflows/delivery.yml@refs/heads/main");
        assert.equal(runbookBaseUrl("o/r"), "https://github.com/o/r/blob/main");
        const own = parsePlatformConfig({ ...raw, monitoring: { runbookBaseUrl: "https://git.radiology-lab.net/p" } }, "production");
        assert.equal(own.monitoring.runbookBaseUrl, "https://git.radiology-lab.net/p");
        assert.throws(
            () => parsePlatformConfig({ ...raw, repository: "https://github.com/o/r" }, "production"),
            /^ConfigError: repository: expected a GitHub repository such as <owner>\/<name>/,
        );
    });

    it("the committed stack files name the example repository, not another project's", () => {
        for (const stack of ["staging", "production"]) {
            const text = fs.readFileSync(path.resolve(__dirname, `../../../Pulumi.${stack}.yaml`), "utf8");
            assert.equal(
                (parse(text) as { config: Record<string, unknown> }).config["pneumonia-platform:repository"],
                "example-org/pneumonia-platform",
            );
            assert.ok(!text.includes("runbookBaseUrl"), `${stack}: runbookBaseUrl derives from repository`);
        }
    });
});
