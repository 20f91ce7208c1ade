import * as assert from "node:assert/strict";
import { releases, rollback } from "../../../src/release/rollback";
import { digest, fakeStack, update } from "./fake-stack";

describe("rollback", () => {
    const quiet = () => undefined;

    it("collapses successful updates into releases, newest first, ignoring previews, refreshes and failures", () => {
        const history = [
            update(6, digest("c"), "failed"),
            update(5, digest("b")),
            update(4, digest("b")),
            update(3, digest("a"), "succeeded", "refresh"),
            update(2, digest("a")),
            update(1, undefined),
        ];
        assert.deepEqual(
            releases(history).map((r) => [r.image, r.version]),
            [
                [digest("b"), 4],
                [digest("a"), 2],
            ],
        );
    });

    it("sets the previous release's digest and runs pulumi up", async () => {
        const stack = fakeStack("production", { updates: [update(3, digest("b")), update(2, digest("b")), update(1, digest("a"))] });
        const result = await rollback(stack, { log: quiet });
        assert.deepEqual(result, { from: digest("b"), to: digest("a") });
        assert.equal(stack.config.get("detector.image"), digest("a"));
        assert.equal(stack.ups.length, 1);
    });

    it("after a failed update, goes back to the last release that succeeded", async () => {
        const stack = fakeStack("production", { updates: [update(3, digest("c"), "failed"), update(2, digest("b")), update(1, digest("a"))] });
        assert.deepEqual(await rollback(stack, { log: quiet }), { from: digest("c"), to: digest("b") });
    });

    it("rolls back to an explicit digest", async () => {
        const stack = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))] });
        await rollback(stack, { to: digest("e"), log: quiet });
        assert.equal(stack.config.get("detector.image"), digest("e"));
    });

    it("changes nothing on a dry run", async () => {
        const stack = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))] });
        assert.deepEqual(await rollback(stack, { dryRun: true, log: quiet }), { from: digest("b"), to: digest("a") });
        assert.equal(stack.config.size, 0);
        assert.equal(stack.ups.length, 0);
    });

    it("fails when there is no earlier release", async () => {
        const stack = fakeStack("production", { updates: [update(2, digest("a")), update(1, digest("a"))] });
        await assert.rejects(rollback(stack, { log: quiet }), /no successful update ran an image other than .*sha256:a{64}; nothing to roll back to/);
        assert.equal(stack.ups.length, 0);
    });

    it("fails on an empty history", async () => {
        await assert.rejects(rollback(fakeStack("production"), { log: quiet }), /stack production: no update in its history records a detector image/);
    });

    it("refuses to roll back to a tag", async () => {
        const stack = fakeStack("production", { updates: [update(2, digest("b")), update(1, "repo/pneumonia-detector:1.4.1")] });
        await assert.rejects(rollback(stack, { log: quiet }), /update 1: "repo\/pneumonia-detector:1\.4\.1" is not pinned by digest/);
        assert.equal(stack.config.size, 0);
    });

    it("reports a failed pulumi up", async () => {
        const stack = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))], upFails: true });
        await assert.rejects(rollback(stack, { log: quiet }), /update failed/);
    });
});
