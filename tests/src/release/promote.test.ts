import * as assert from "node:assert/strict";
import { promote } from "../../../src/release/promote";
import { digest, fakeStack, opener } from "./fake-stack";

describe("promote", () => {
    it("pins production's detector.image to the digest staging deployed", async () => {
        const staging = fakeStack("staging", { outputs: { detectorImage: digest("b") } });
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const result = await promote(opener(staging, production), { from: "staging", to: "production" });
        assert.deepEqual(result, { image: digest("b"), previous: digest("a"), changed: true });
        assert.equal(production.config.get("detector.image"), digest("b"));
    });

    it("takes the digest the pipeline recorded instead of re-reading staging", async () => {
        const staging = fakeStack("staging", { outputs: { detectorImage: digest("c") } });
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        await promote(opener(staging, production), { from: "staging", to: "production", image: digest("b") });
        assert.equal(production.config.get("detector.image"), digest("b"));
    });

    it("writes nothing on a dry run", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const result = await promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), {
            from: "staging",
            to: "production",
            dryRun: true,
        });
        assert.equal(result.changed, true);
        assert.equal(production.config.get("detector.image"), digest("a"));
    });

    it("reports no change when production already runs the digest", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("b") } });
        const result = await promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), { from: "staging", to: "production" });
        assert.equal(result.changed, false);
    });

    it("refuses a tag: staging must have deployed a digest", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const staging = fakeStack("staging", { outputs: { detectorImage: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector:1.4.2" } });
        await assert.rejects(
            promote(opener(staging, production), { from: "staging", to: "production" }),
            /^ReleaseError: stack staging output detectorImage: ".*:1\.4\.2" is not pinned by digest/,
        );
        assert.equal(production.config.get("detector.image"), digest("a"));
    });

    it("refuses a stack without the detectorImage output", async () => {
        await assert.rejects(
            promote(opener(fakeStack("staging"), fakeStack("production")), { from: "staging", to: "production" }),
            /stack staging: no output detectorImage/,
        );
    });

    it("refuses a malformed --image", async () => {
        await assert.rejects(
            promote(opener(fakeStack("staging"), fakeStack("production")), { from: "staging", to: "production", image: "repo@sha256:abc" }),
            /--image: "repo@sha256:abc" is not pinned by digest/,
        );
    });
});
