import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuditUnavailableError, evaluateAudit, main } from "../../scripts/security-scan";
import { startFakeRegistry } from "./fake-registry";

const root = path.resolve(__dirname, "../..");
const fixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8"));

describe("security scan", () => {
    describe("decision on npm audit's report", () => {
        for (const [file, failOnMedium, ok, failing] of [
            ["audit-clean.json", false, true, []],
            ["audit-clean.json", true, true, []],
            ["audit-low.json", true, true, []],
            ["audit-moderate.json", false, true, []],
            ["audit-moderate.json", true, false, ["axios", "follow-redirects"]],
            ["audit-high.json", false, false, ["semver"]],
            ["audit-high.json", true, false, ["semver", "follow-redirects"]],
            ["audit-critical.json", false, false, ["protobufjs"]],
        ] as const) {
            it(`${ok ? "passes" : "fails"} ${file} with FAIL_ON_MEDIUM=${failOnMedium}`, () => {
                const verdict = evaluateAudit(fixture(file), failOnMedium);
                assert.equal(verdict.ok, ok);
                assert.deepEqual(
                    verdict.failing.map((f) => f.name),
                    failing,
                );
            });
        }

        it("names the advisory and the path of a transitive finding", () => {
            const verdict = evaluateAudit(fixture("audit-moderate.json"), true);
            assert.deepEqual(verdict.failing.find((f) => f.name === "axios")?.via, ["via follow-redirects"]);
            assert.match(
                verdict.failing.find((f) => f.name === "follow-redirects")!.via[0],
                /Proxy-Authorization .*\(https:\/\/github\.com\/advisories\//,
            );
        });

        for (const [file, reason] of [
            ["audit-error-unreachable.json", /ECONNREFUSED/],
            ["audit-error-enotfound.json", /ENOTFOUND: request to https:\/\/registry\.npmjs\.org/],
            ["audit-error-405.json", /405 Method Not Allowed/],
        ] as const) {
            it(`says the registry could not be reached, and that nothing was scanned, for ${file}`, () => {
                assert.throws(
                    () => evaluateAudit(fixture(file), false),
                    (e: Error) => e instanceof AuditUnavailableError && reason.test(e.message) && /NOT scanned/.test(e.message),
                );
            });
        }

        it("refuses anything that is not an audit report", () => {
            assert.throws(() => evaluateAudit({ advisories: {} }, false), /not an audit report/);
        });
    });

    describe("CLI", () => {
        it("rejects a FAIL_ON_MEDIUM that is not true or false", async () => {
            await assert.rejects(
                main(
                    [],
                    { FAIL_ON_MEDIUM: "yes" },
                    async () => ({ stdout: "{}", stderr: "" }),
                    () => undefined,
                ),
                /FAIL_ON_MEDIUM: expected true or false, got "yes"/,
            );
        });

        it("reports npm's own complaint when it prints no JSON", async () => {
            await assert.rejects(
                main(
                    [],
                    {},
                    async () => ({
                        stdout: "",
                        stderr: "npm error code ENOLOCK\nnpm error audit This command requires an existing lockfile.",
                    }),
                    () => undefined,
                ),
                /npm audit of package-lock\.json printed no JSON \(npm error code ENOLOCK\)/,
            );
        });

        it("writes the report to --out only when the scan ran", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "security-scan-"));
            try {
                const out = path.join(dir, "audit.json");
                const high = JSON.stringify(fixture("audit-high.json"));
                assert.equal(
                    await main(
                        ["--out", out],
                        {},
                        async () => ({ stdout: high, stderr: "" }),
                        () => undefined,
                    ),
                    1,
                );
                assert.deepEqual(JSON.parse(fs.readFileSync(out, "utf8")), {
                    "package-lock.json": JSON.parse(high),
                    "policies/package-lock.json": JSON.parse(high),
                });
                const failed = path.join(dir, "failed.json");
                const offline = JSON.stringify(fixture("audit-error-unreachable.json"));
                await assert.rejects(
                    main(
                        ["--out", failed],
                        {},
                        async () => ({ stdout: offline, stderr: "" }),
                        () => undefined,
                    ),
                    AuditUnavailableError,
                );
                assert.equal(fs.existsSync(failed), false);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("npm run security-scan against a local registry (child process, real npm audit)", () => {
        function scan(registry: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
            return new Promise((resolve) => {
                execFile(
                    path.join(root, "node_modules/.bin/tsx"),
                    ["scripts/security-scan.ts"],
                    {
                        cwd: root,
                        env: {
                            PATH: process.env.PATH ?? "",
                            HOME: process.env.HOME ?? "",
                            npm_config_registry: registry,
                            npm_config_fetch_retries: "0",
                            ...extraEnv,
                        },
                    },
                    (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
                );
            });
        }

        it("fails on a high advisory in a production dependency, and passes a moderate one unless FAIL_ON_MEDIUM=true", async () => {
            const registry = await startFakeRegistry({ zod: "high", yaml: "moderate", mocha: "critical" });
            try {
                const high = await scan(registry.url);
                assert.equal(high.code, 1, high.stdout + high.stderr);
                assert.match(high.stdout, /HIGH zod \(direct\): Test advisory for zod/);
                assert.doesNotMatch(high.stdout, /yaml/);
                // mocha is a dev dependency: --omit=dev keeps it out of the request.
                assert.ok(!registry.asked.includes("mocha"), "dev dependencies must not be audited");
            } finally {
                await registry.stop();
            }
            const moderate = await startFakeRegistry({ yaml: "moderate" });
            try {
                assert.equal((await scan(moderate.url)).code, 0);
                const strict = await scan(moderate.url, { FAIL_ON_MEDIUM: "true" });
                assert.equal(strict.code, 1);
                assert.match(strict.stdout, /MODERATE yaml/);
            } finally {
                await moderate.stop();
            }
        });

        it("audits the policy pack's own lockfile: an advisory for a package only it ships fails the scan", async () => {
            // typescript is a dev dependency of the platform (not audited with --omit=dev) but not dev-only in
            // policies/package-lock.json, where @pulumi/pulumi's peer dependency on it makes it shipped.
            const registry = await startFakeRegistry({ typescript: "high" });
            try {
                const result = await scan(registry.url);
                assert.equal(result.code, 1, result.stdout + result.stderr);
                assert.match(
                    result.stdout,
                    /^npm audit of package-lock\.json \(production dependencies\): 0 info, 0 low, 0 moderate, 0 high, 0 critical/m,
                );
                assert.match(result.stdout, /^npm audit of policies\/package-lock\.json \(production dependencies\): .*[1-9] high.*\n/m);
                assert.match(result.stdout, /^ {2}HIGH typescript \(direct\): Test advisory for typescript/m);
                assert.ok(registry.asked.includes("@pulumi/policy"), "the pack's dependencies are audited");
            } finally {
                await registry.stop();
            }
        });

        it("exits 2 and says so when the registry cannot be reached", async () => {
            const registry = await startFakeRegistry({});
            const url = registry.url;
            await registry.stop();
            const { code, stdout, stderr } = await scan(url);
            assert.equal(code, 2, stdout + stderr);
            assert.match(
                stderr,
                /^error: npm audit could not get advisories from the registry \(.*ECONNREFUSED.*\); the dependencies were NOT scanned$/m,
            );
        });
    });
});
