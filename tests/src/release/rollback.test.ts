// Rollback against the fake stack (its history records every up with its message, as the backend
// does) and the fake Rollout, which reports the status fields Argo Rollouts documents
// (pkg/apis/rollouts/v1alpha1/types.go RolloutStatus: phase Degraded and abort: true after a failed
// analysis, the stable pods still on the old hash).
import * as assert from "node:assert/strict";
import { CheckFailedError } from "../../../src/cli/command";
import { abandonedImages, releases, rollback, type RollbackOptions } from "../../../src/release/rollback";
import type { RolloutReader } from "../../../src/release/rollout";
import { promote } from "../../../src/release/promote";
import { digest, fakeStack, opener, update, type FakeStack } from "./fake-stack";
import { fakeRollout, settledRollout, type Outcome } from "./fake-rollout";

function options(
    stack: FakeStack,
    extra: Partial<RollbackOptions> & { outcome?: Outcome; before?: "healthy" | "aborted"; reader?: RolloutReader } = {},
): RollbackOptions & { lines: string[] } {
    const lines: string[] = [];
    const reader = extra.reader ?? fakeRollout(stack, extra.outcome ?? { kind: "promotes" }, 6, extra.before ?? "healthy");
    return { rollout: { reader, timeoutSeconds: 3600, pollSeconds: 0 }, log: (l) => lines.push(l), lines, ...extra };
}

/** A released (A) then B, whose canary Argo Rollouts aborted: production's config still names B, its stable pods run A. */
function afterAbortedCanary(older: string[] = []): FakeStack {
    const history = [...older, digest("a"), digest("b")]
        .map((image, i) => update(i + 1, image, "succeeded", "update", `release detector ${image}`))
        .reverse();
    return fakeStack("production", { config: { "detector.image": digest("b") }, updates: history });
}

describe("rollback", () => {
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

    it("after an aborted canary goes back to the last release, follows the Rollout to healthy, and a second rollback never returns to the aborted image", async () => {
        const stack = afterAbortedCanary([digest("9")]);
        const first = options(stack, { before: "aborted" });
        assert.deepEqual(await rollback(stack, first), { from: digest("b"), to: digest("a") });
        assert.equal(stack.config.get("detector.image"), digest("a"));
        assert.match(
            stack.ups[0]!,
            /^rollback detector from \S+sha256:b{64} to \S+sha256:a{64} \(the Rollout was aborted: RolloutAborted: /,
        );
        assert.ok(first.lines.includes("rollout: fully promoted"), first.lines.join("\n"));
        assert.deepEqual([...abandonedImages(stack.updates).keys()], [digest("b")]);

        // The toggle this replaces: "the newest successful image that is not the current one" was B again.
        const second = await rollback(stack, options(stack));
        assert.deepEqual(second, { from: digest("a"), to: digest("9") });
    });

    it("after fixing forward over an aborted canary (C promoted while B's canary is aborted), a rollback from C goes to A, never to B", async () => {
        const production = afterAbortedCanary();
        const reader = fakeRollout(production, { kind: "promotes" }, 6, "aborted");
        await promote(opener(fakeStack("staging", { outputs: { detectorImage: digest("c") } }), production), {
            from: "staging",
            to: "production",
            hotfix: false,
            dryRun: false,
            checkLoadTest: async () => "staging load test passed",
            rollout: {
                reader: (stack) => (stack === "staging" ? settledRollout(digest("c"), "healthy") : reader),
                timeoutSeconds: 3600,
                pollSeconds: 0,
            },
            log: () => undefined,
        });
        assert.match(production.ups[0]!, /^release detector \S+sha256:c{64} \(abandons \S+sha256:b{64}: its canary was aborted\)$/);
        assert.deepEqual(await rollback(production, options(production, { reader })), { from: digest("c"), to: digest("a") });
    });

    it("with no release left before the current one, refuses instead of redeploying the aborted image", async () => {
        const stack = afterAbortedCanary();
        await rollback(stack, options(stack, { before: "aborted" }));
        await assert.rejects(
            rollback(stack, options(stack)),
            /stack production: no release before .*sha256:a{64} that was not rolled back; nothing to roll back to/,
        );
        assert.equal(stack.ups.length, 1);
    });

    it("refuses --to an image whose canary was aborted unless --force", async () => {
        const stack = afterAbortedCanary();
        await rollback(stack, options(stack, { before: "aborted" }));
        await assert.rejects(
            rollback(stack, options(stack, { to: digest("b") })),
            (e: Error) =>
                e instanceof CheckFailedError &&
                /--to \S+sha256:b{64}: update 3 rolled back from it; pass --force to deploy it anyway$/.test(e.message),
        );
        assert.equal(stack.ups.length, 1);
        assert.deepEqual(await rollback(stack, options(stack, { to: digest("b"), force: true })), { from: digest("a"), to: digest("b") });
    });

    it("refuses --to the current image while the Rollout reports its canary aborted", async () => {
        const stack = afterAbortedCanary();
        await assert.rejects(
            rollback(stack, options(stack, { before: "aborted", to: digest("b") })),
            /--to \S+sha256:b{64}: its canary was aborted \(RolloutAborted: /,
        );
        assert.deepEqual(stack.ups, []);
    });

    it("fails, exit 1, when the Rollout back to the old image aborts too", async () => {
        const stack = afterAbortedCanary();
        await assert.rejects(
            rollback(stack, options(stack, { outcome: { kind: "aborts", atStep: 1 } })),
            (e: Error) => e instanceof CheckFailedError && /^rollout aborted/.test(e.message),
        );
    });

    it("rolls back a healthy release to the one before it", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(3, digest("b")), update(2, digest("b")), update(1, digest("a"))],
        });
        assert.deepEqual(await rollback(stack, options(stack)), { from: digest("b"), to: digest("a") });
        assert.equal(stack.config.get("detector.image"), digest("a"));
        assert.equal(stack.ups.length, 1);
    });

    it("after a failed update, goes back to the last release that succeeded", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("c") },
            updates: [update(3, digest("c"), "failed"), update(2, digest("b")), update(1, digest("a"))],
        });
        assert.deepEqual(await rollback(stack, options(stack)), { from: digest("c"), to: digest("b") });
    });

    it("rolls back to an explicit digest", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(2, digest("b")), update(1, digest("a"))],
        });
        await rollback(stack, options(stack, { to: digest("e") }));
        assert.equal(stack.config.get("detector.image"), digest("e"));
    });

    it("changes nothing on a dry run", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(2, digest("b")), update(1, digest("a"))],
        });
        assert.deepEqual(await rollback(stack, options(stack, { dryRun: true })), { from: digest("b"), to: digest("a") });
        assert.equal(stack.config.get("detector.image"), digest("b"));
        assert.equal(stack.ups.length, 0);
    });

    it("fails when there is no earlier release", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("a") },
            updates: [update(2, digest("a")), update(1, digest("a"))],
        });
        await assert.rejects(
            rollback(stack, options(stack)),
            /no release before .*sha256:a{64} that was not rolled back; nothing to roll back to/,
        );
        assert.equal(stack.ups.length, 0);
    });

    it("fails on an empty history", async () => {
        const stack = fakeStack("production");
        await assert.rejects(rollback(stack, options(stack)), /stack production: no update in its history records a detector image/);
    });

    it("refuses to roll back to a tag", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(2, digest("b")), update(1, "repo/pneumonia-detector:1.4.1")],
        });
        await assert.rejects(rollback(stack, options(stack)), /update 1: "repo\/pneumonia-detector:1\.4\.1" is not pinned by digest/);
        assert.equal(stack.config.get("detector.image"), digest("b"));
    });

    it("reports a failed pulumi up", async () => {
        const stack = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(2, digest("b")), update(1, digest("a"))],
            upFails: true,
        });
        await assert.rejects(rollback(stack, options(stack)), /update failed/);
    });
});
