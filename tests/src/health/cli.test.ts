import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { main } from "../../../src/health/cli";
import { fakeStack, opener } from "../release/fake-stack";
import { healthyScenario, startFakeServices, type FakeServices } from "./fake-services";
import { tsxNode } from "../../helpers/cli";

const root = path.resolve(__dirname, "../../..");

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            tsxNode[0],
            [...tsxNode.slice(1), "src/health/cli.ts", ...args],
            { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } },
            (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
    });
}

describe("npm run health", () => {
    let services: FakeServices;
    let env: Record<string, string>;
    before(async () => {
        services = await startFakeServices();
        env = {
            DETECTOR_URL: services.endpoints.detector,
            MLFLOW_URL: services.endpoints.mlflow,
            PROMETHEUS_URL: services.endpoints.prometheus,
            ALERTMANAGER_URL: `${services.endpoints.alertmanager}/`,
        };
    });
    after(async () => {
        await services.stop();
    });

    it("prints the table and exits 0 against healthy services (child process)", async () => {
        services.scenario = healthyScenario();
        const { code, stdout } = await runCli(["staging"], env);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /^CHECK\s+RESULT\s+VALUE\s+EXPECTED$/m);
        assert.match(stdout, /^detector \/health\s+PASS\s+HTTP 200\s+HTTP 2xx$/m);
        assert.match(stdout, /staging: healthy \(17 checks\)/);
    });

    it("exits 1 and names the failed line (child process)", async () => {
        const scenario = healthyScenario();
        scenario.prometheus.diskNodes[0].value = 12;
        services.scenario = scenario;
        const { code, stdout } = await runCli(["staging"], env);
        assert.equal(code, 1, stdout);
        assert.match(stdout, /^disk free \(nodes\)\s+FAIL\s+12\.0 %\s+> 20 %$/m);
        assert.match(stdout, /staging: 1 of 17 checks failed: disk free \(nodes\)$/m);
    });

    it("lets flags override the environment", async () => {
        services.scenario = healthyScenario();
        const out: string[] = [];
        const code = await main(["staging", "--detector-url", "http://127.0.0.1:1"], { open: refuse, env, out: (t) => out.push(t) });
        assert.equal(code, 1);
        assert.match(out.join("\n"), /detector \/health\s+FAIL\s+unreachable/);
    });

    it("takes missing endpoints from the stack outputs", async () => {
        services.scenario = healthyScenario();
        const { DETECTOR_URL: _unused, ...rest } = env;
        const open = opener(fakeStack("staging", { outputs: { detectorUrl: services.endpoints.detector } }));
        assert.equal(await main(["staging"], { open, env: rest, out: () => undefined }), 0);
    });

    it("says which flag to give when the outputs cannot be read", async () => {
        const { MLFLOW_URL: _unused, ...rest } = env;
        await assert.rejects(
            main(["staging"], { open: refuse, env: rest, out: () => undefined }),
            /stack staging: cannot read its outputs \(no pulumi\); give --mlflow-url/,
        );
    });

    it("rejects an unknown stack, a bad URL and a bad window with one line naming them", async () => {
        await assert.rejects(main(["qa"], { open: refuse, env, out: () => undefined }), /stack "qa": no Pulumi\.qa\.yaml/);
        await assert.rejects(
            main(["staging", "--prometheus-url", "localhost:9090"], { open: refuse, env, out: () => undefined }),
            /--prometheus-url: expected an http\(s\) URL/,
        );
        await assert.rejects(
            main(["staging", "--window", "an hour"], { open: refuse, env, out: () => undefined }),
            /--window: expected a Prometheus duration/,
        );
        await assert.rejects(main([], { open: refuse, env, out: () => undefined }), /^UsageError: missing argument: <stack>$/);
    });

    it("says plainly that the pulumi CLI is missing, never a spawn error code (child process)", async () => {
        // Only node's own directory on PATH: no pulumi, so the stack's outputs cannot be read.
        const { code, stdout, stderr } = await runCli(["staging"], { PATH: path.dirname(process.execPath) });
        assert.equal(code, 2);
        assert.equal(stdout, "");
        assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
        assert.match(
            stderr,
            /^error: stack staging: cannot read its outputs \(pulumi CLI not found on PATH: install it \(https:\/\/www\.pulumi\.com\/docs\/install\//,
        );
        assert.doesNotMatch(stderr, /code: -2|ENOENT/);
    });

    it("exits 2 with a one-line message on a usage error (child process)", async () => {
        const { code, stdout, stderr } = await runCli(["staging", "--bogus"], env);
        assert.equal(code, 2);
        assert.equal(stdout, "");
        // One line naming the problem, then the usage hint (src/cli/command.ts).
        assert.deepEqual(stderr.trim().split("\n"), [
            "error: Unknown option '--bogus'",
            "usage: npm run --silent health -- <stack> [options]   (--help for more)",
        ]);
    });
});

async function refuse(): Promise<never> {
    throw new Error("no pulumi");
}
