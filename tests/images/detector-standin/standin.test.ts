// The stand-in's own behaviour beyond what `npm run contract` checks: not ready until the simulated
// model load ends, knobs from the environment, the admin port on loopback only, deterministic
// answers, and one-line refusals of bad settings.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { networkInterfaces } from "node:os";
import { png } from "../../../src/contract/payloads";
import { startStandIn, standInMain } from "../../helpers/standin";

const predictPng = (url: string, bytes: Uint8Array) => {
    const form = new FormData();
    form.append("file", new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "image/png" }), "chest.png");
    return fetch(`${url}/predict`, { method: "POST", body: form });
};

describe("detector stand-in (images/detector-standin)", function () {
    this.timeout(30_000);

    it("answers 503 loading until the simulated model load ends, then 200 (contract: /health)", async () => {
        const s = await startStandIn({ env: { MODEL_LOAD_SECONDS: "1.5" }, waitFor: "listening" });
        try {
            const loading = await fetch(`${s.url}/health`);
            assert.equal(loading.status, 503);
            assert.deepEqual(await loading.json(), { status: "loading", model_loaded: false, stand_in: true });
            assert.equal((await predictPng(s.url, png())).status, 503);
            await new Promise((r) => setTimeout(r, 1700));
            const ready = await fetch(`${s.url}/health`);
            assert.equal(ready.status, 200);
            assert.deepEqual(await ready.json(), { status: "ok", model_loaded: true, model_version: "stand-in-0.1.0", stand_in: true });
        } finally {
            await s.stop();
        }
    });

    it("gives the same image the same prediction, and different images different ones", async () => {
        const s = await startStandIn({ env: { MODEL_VERSION: "demo-7" } });
        try {
            const answers: Array<Record<string, unknown>> = [];
            for (const seed of [0, 0, 1, 2, 3, 4, 5, 6])
                answers.push((await (await predictPng(s.url, png(64, seed))).json()) as Record<string, unknown>);
            assert.deepEqual(answers[0], answers[1]);
            assert.equal(answers[0].model_version, "demo-7");
            assert.ok(new Set(answers.map((a) => JSON.stringify(a))).size > 2, JSON.stringify(answers));
        } finally {
            await s.stop();
        }
    });

    it("takes its fault knobs from the environment at start", async () => {
        const s = await startStandIn({ env: { FAULT_ERROR_RATIO: "1", FAULT_READINESS_OFF: "false" } });
        try {
            const res = await predictPng(s.url, png());
            assert.equal(res.status, 500);
            assert.deepEqual(await res.json(), { error: "inference failed (stand-in fault: errorRatio)", stand_in: true });
            const faults = await (await fetch(`${s.adminUrl}/faults`)).json();
            assert.deepEqual(faults, { errorRatio: 1, latencyMs: 0, ballastMiB: 0, readinessOff: false });
        } finally {
            await s.stop();
        }
    });

    it("listens for fault changes on 127.0.0.1 only, and refuses bad knobs with one line", async () => {
        const s = await startStandIn();
        try {
            const other = Object.values(networkInterfaces())
                .flat()
                .find((a) => a && a.family === "IPv4" && !a.internal);
            if (other) {
                const port = new URL(s.adminUrl).port;
                // Refused (nothing listens there) or, behind a dropping firewall, never answered.
                await assert.rejects(fetch(`http://${other.address}:${port}/faults`, { signal: AbortSignal.timeout(3000) }));
            }
            const res = await fetch(`${s.adminUrl}/faults`, { method: "PUT", body: JSON.stringify({ errorRatio: 2 }) });
            assert.equal(res.status, 400);
            assert.deepEqual(await res.json(), { error: "errorRatio: expected a number from 0 to 1, got 2" });
            const unknown = await fetch(`${s.adminUrl}/faults`, { method: "PUT", body: JSON.stringify({ errors: 0.1 }) });
            assert.match(
                ((await unknown.json()) as { error: string }).error,
                /^unknown fault "errors": expected one of errorRatio, latencyMs, ballastMiB, readinessOff$/,
            );
            assert.deepEqual(await (await fetch(`${s.adminUrl}/faults`, { method: "DELETE" })).json(), {
                errorRatio: 0,
                latencyMs: 0,
                ballastMiB: 0,
                readinessOff: false,
            });
        } finally {
            await s.stop();
        }
    });

    it("refuses a bad setting at start with one line and exit 2", () => {
        const run = spawnSync(process.execPath, [standInMain], {
            env: { PATH: process.env.PATH, FAULT_ERROR_RATIO: "5%" },
            encoding: "utf8",
        });
        assert.equal(run.status, 2);
        assert.equal(run.stderr, 'error: FAULT_ERROR_RATIO: expected a number from 0 to 1, got "5%"\n');
        const port = spawnSync(process.execPath, [standInMain], { env: { PATH: process.env.PATH, PORT: "http" }, encoding: "utf8" });
        assert.equal(port.status, 2);
        assert.equal(port.stderr, 'error: PORT: expected a number from 0 to 65535, got "http"\n');
    });
});
