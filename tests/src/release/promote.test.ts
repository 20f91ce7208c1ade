import * as assert from "node:assert/strict";
import { CheckFailedError } from "../../../src/cli/command";
import { hotfixKey, promote, type PromoteOptions } from "../../../src/release/promote";
import { waitForRollout, type RolloutReader } from "../../../src/release/rollout";
import { digest, fakeStack, opener, type FakeStack } from "./fake-stack";
import { fakeRollout, settledRollout, type Outcome } from "./fake-rollout";

function options(
    production: FakeStack,
    extra: Partial<PromoteOptions> & { outcome?: Outcome; staging?: "healthy" | "aborted"; stagingImage?: string } = {},
): PromoteOptions & { lines: string[] } {
    const lines: string[] = [];
    const reader = fakeRollout(production, extra.outcome ?? { kind: "promotes" });
    // Staging's Rollout, settled on the image under test unless a test says otherwise.
    const staging = (image: string) => settledRollout(extra.stagingImage ?? image, extra.staging ?? "healthy");
    let stagingReader: RolloutReader | undefined;
    return {
        from: "staging",
        to: "production",
        hotfix: false,
        dryRun: false,
        checkLoadTest: async (image) => `staging load test passed for ${image}`,
        rollout: {
            reader: (stack) => (stack === "production" ? reader : (stagingReader ??= staging(extra.image ?? digest("b")))),
            timeoutSeconds: 3600,
            pollSeconds: 0,
        },
        log: (l) => lines.push(l),
        lines,
        ...extra,
    };
}

describe("promote", () => {
    it("pins production's detector.image to the digest staging deployed, deploys, and waits for the canary", async () => {
        const staging = fakeStack("staging", { outputs: { detectorImage: digest("b") } });
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const o = options(production);
        const result = await promote(opener(staging, production), o);
        assert.deepEqual(result, { image: digest("b"), previous: digest("a"), changed: true });
        assert.equal(production.config.get("detector.image"), digest("b"));
        assert.equal(production.config.get(hotfixKey), "false");
        assert.deepEqual(production.ups, [`release detector ${digest("b")}`]);
        assert.ok(o.lines.includes("rollout: fully promoted"), o.lines.join("\n"));
        assert.ok(o.lines.some((l) => /^rollout: canary step \d\/6, analysis Running$/.test(l)));
    });

    it("marks a hotfix so the Rollout watches it for the hotfix minutes", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        await promote(
            opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production),
            options(production, { hotfix: true }),
        );
        assert.equal(production.config.get(hotfixKey), "true");
        assert.deepEqual(production.ups, [`hotfix detector ${digest("b")}`]);
    });

    it("fails with the analysis result when the canary is aborted", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const o = options(production, { outcome: { kind: "aborts", atStep: 2 } });
        await assert.rejects(
            promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), o),
            (e: Error) =>
                e instanceof CheckFailedError &&
                /rollout aborted, traffic is back on the stable version: RolloutAborted: .*Metric "error-rate" assessed Failed/.test(
                    e.message,
                ),
        );
        assert.ok(o.lines.includes("  error-rate: Failed, last value [0.034]"), o.lines.join("\n"));
    });

    it("gives up after its timeout when the canary is held for a human (inconclusive analysis)", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        let clock = 0;
        const reader = fakeRollout(production, { kind: "held", reason: "InconclusiveAnalysisRun" });
        const lines: string[] = [];
        await production.setConfig("detector.image", digest("b"));
        await production.up("release", () => undefined);
        await assert.rejects(
            waitForRollout(reader, {
                image: digest("b"),
                timeoutSeconds: 60,
                pollSeconds: 15,
                log: (l) => lines.push(l),
                sleep: async (s) => void (clock += s * 1000),
                now: () => clock,
            }),
            /rollout not finished after 60 s \(paused: InconclusiveAnalysisRun: resume or abort it/,
        );
    });

    it("refuses an image whose staging canary was aborted (stable pods still on the old image), before the load-test gate and before writing anything", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        let gated = false;
        const o = options(production, { staging: "aborted", checkLoadTest: async () => ((gated = true), "staging load test passed") });
        await assert.rejects(
            promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), o),
            (e: Error) =>
                e instanceof CheckFailedError &&
                /^stack staging: its Rollout has not released \S+sha256:b{64} \(aborted: RolloutAborted: /.test(e.message),
        );
        assert.equal(gated, false);
        assert.equal(production.config.get("detector.image"), digest("a"));
        assert.deepEqual(production.ups, []);
    });

    it("refuses an image staging's Rollout does not run (another digest fully promoted there)", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const o = options(production, { stagingImage: digest("c") });
        await assert.rejects(
            promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), o),
            /its Rollout has not released .*\(waiting: the Rollout runs \S+sha256:c{64}, not/,
        );
        assert.deepEqual(production.ups, []);
    });

    it("rides out failed reads of the Rollout (an API hiccup) during the watch, with backoff", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const inner = fakeRollout(production, { kind: "promotes" });
        let reads = 0;
        // kubectl's message for a dropped connection to the API server.
        const flaky: RolloutReader = {
            ...inner,
            rollout: async () =>
                ++reads === 3 || reads === 4
                    ? Promise.reject(
                          new Error(
                              "kubectl get rollouts.argoproj.io detector: Unable to connect to the server: net/http: TLS handshake timeout",
                          ),
                      )
                    : inner.rollout(),
        };
        await production.setConfig("detector.image", digest("b"));
        await production.up("release", () => undefined);
        const lines: string[] = [];
        const pauses: number[] = [];
        await waitForRollout(flaky, {
            image: digest("b"),
            timeoutSeconds: 3600,
            pollSeconds: 15,
            log: (l) => lines.push(l),
            sleep: async (s) => void pauses.push(s),
            now: () => 0,
        });
        assert.ok(lines.includes("rollout: fully promoted"), lines.join("\n"));
        assert.deepEqual(pauses.slice(2, 4), [30, 60], "backs off 2x, 4x the poll interval");
        assert.match(
            lines.find((l) => l.includes("(1/5)"))!,
            /^rollout: reading the Rollout failed \(1\/5\), retrying in 30 s: .*TLS handshake timeout$/,
        );
    });

    it("gives up on the Rollout after five failed reads in a row", async () => {
        const down: RolloutReader = {
            rollout: async () => Promise.reject(new Error("Unable to connect to the server")),
            analysisRun: async () => undefined,
        };
        const pauses: number[] = [];
        await assert.rejects(
            waitForRollout(down, {
                image: digest("b"),
                timeoutSeconds: 3600,
                pollSeconds: 15,
                log: () => undefined,
                sleep: async (s) => void pauses.push(s),
                now: () => 0,
            }),
            /^Error: lost the Rollout after 6 failed reads in a row: Unable to connect to the server/,
        );
        assert.deepEqual(pauses, [30, 60, 120, 240, 300]);
    });

    it("refuses an image whose staging load test did not pass, before writing anything", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const o = options(production, {
            checkLoadTest: async () => {
                throw new CheckFailedError("failed its staging load test");
            },
        });
        await assert.rejects(
            promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), o),
            /failed its staging load test/,
        );
        assert.equal(production.config.get("detector.image"), digest("a"));
        assert.deepEqual(production.ups, []);
    });

    it("takes the digest the pipeline recorded instead of re-reading staging", async () => {
        const staging = fakeStack("staging", { outputs: { detectorImage: digest("c") } });
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        await promote(opener(staging, production), options(production, { image: digest("b") }));
        assert.equal(production.config.get("detector.image"), digest("b"));
    });

    it("writes and deploys nothing on a dry run, but still checks the gate", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        let gated = false;
        const result = await promote(
            opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production),
            options(production, { dryRun: true, checkLoadTest: async () => ((gated = true), "ok") }),
        );
        assert.equal(result.changed, true);
        assert.ok(gated);
        assert.equal(production.config.get("detector.image"), digest("a"));
        assert.deepEqual(production.ups, []);
    });

    it("refuses a tag: staging must have deployed a digest", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const staging = fakeStack("staging", {
            outputs: { detectorImage: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector:1.4.2" },
        });
        await assert.rejects(
            promote(opener(staging, production), options(production)),
            /^ReleaseError: stack staging output detectorImage: ".*:1\.4\.2" is not pinned by digest/,
        );
        assert.equal(production.config.get("detector.image"), digest("a"));
    });

    it("refuses a stack without the detectorImage output", async () => {
        const production = fakeStack("production");
        await assert.rejects(
            promote(opener(fakeStack("staging"), production), options(production)),
            /stack staging: no output detectorImage/,
        );
    });

    it("refuses a malformed --image", async () => {
        const production = fakeStack("production");
        await assert.rejects(
            promote(opener(fakeStack("staging"), production), options(production, { image: "repo@sha256:abc" })),
            /--image: "repo@sha256:abc" is not pinned by digest/,
        );
    });
});
