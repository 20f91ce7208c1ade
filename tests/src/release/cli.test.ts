import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, type ReleaseDeps } from "../../../src/release/cli";
import { ReleaseError } from "../../../src/release/image";
import type { InstantQuery } from "../../../src/release/load-test-gate";
import type { OpenStack } from "../../../src/release/stack";
import { digest, fakeStack, opener, update } from "./fake-stack";
import { fakeRollout, settledRollout } from "./fake-rollout";

/** Prometheus as its instant-query API answers for the Pushgateway's load-test group. */
const passedLoadTest =
    (image: string): InstantQuery =>
    async () => [
        { metric: { __name__: "pneumonia_load_test_passed", job: "pneumonia-load-test", image }, value: [1, "1"] },
        { metric: { __name__: "pneumonia_load_test_p95_seconds", job: "pneumonia-load-test", image }, value: [1, "0.42"] },
    ];

/** Staging's Rollout fully promoted on B; any other stack's Rollout as `extra.rollouts` gives it. */
function deps(open: OpenStack, out: (line: string) => void, extra: Partial<ReleaseDeps> = {}): ReleaseDeps {
    const staging = settledRollout(digest("b"), "healthy");
    const others = extra.rollouts;
    return {
        open,
        out,
        kubectl: ["false"],
        pollSeconds: 0,
        ...extra,
        rollouts: (stack) => (stack === "staging" ? staging : others!(stack)),
    };
}

describe("release CLI", () => {
    it("promote runs the image checks (src/release/verify.ts) after the load-test gate and writes nothing when they refuse", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const refuse = () => async (image: string) => {
            throw new ReleaseError(`${image}: never scanned (scan on push did not run)`);
        };
        await assert.rejects(
            main(
                ["promote", "production", "--prometheus-url", "http://127.0.0.1:9"],
                deps(open, () => undefined, { prometheus: () => passedLoadTest(digest("b")), verify: refuse }),
            ),
            (e: Error) => e instanceof ReleaseError && /never scanned/.test(e.message),
        );
        assert.equal(production.config.get("detector.image"), digest("a"));
        assert.deepEqual(production.ups, []);
    });

    it("promote --dry-run checks the gate and prints the change it would make", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const code = await main(
            ["promote", "production", "--dry-run", "--prometheus-url", "http://127.0.0.1:9"],
            deps(open, (l) => lines.push(l), { prometheus: () => passedLoadTest(digest("b")) }),
        );
        assert.equal(code, 0);
        assert.deepEqual(lines[0], `staging: Rollout fully promoted and healthy on ${digest("b")}`);
        assert.match(lines[1]!, /^staging load test passed for .*: p95 0\.420 s \(limit 2 s\)/);
        assert.equal(lines.at(-1), `production: detector.image ${digest("a")} -> ${digest("b")} (dry run, nothing written)`);
        assert.deepEqual(production.ups, []);
    });

    it("promote <stack> --hotfix deploys and follows the canary to the end", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const code = await main(
            ["promote", "production", "--hotfix", "--prometheus-url", "http://127.0.0.1:9"],
            deps(open, (l) => lines.push(l), {
                prometheus: () => passedLoadTest(digest("b")),
                rollouts: () => fakeRollout(production, { kind: "promotes" }),
            }),
        );
        assert.equal(code, 0);
        assert.ok(lines.includes("production: watching the hotfix canary (at most 40 min)"), lines.join("\n"));
        assert.equal(lines.at(-1), `production: detector ${digest("b")} released (hotfix): canary fully promoted`);
    });

    it("rollback after an aborted canary: back to the last release, following the Rollout; --force only with --to, checked before Pulumi", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", {
            config: { "detector.image": digest("b") },
            updates: [update(2, digest("b"), "succeeded", "update", `release detector ${digest("b")}`), update(1, digest("a"))],
        });
        const reader = fakeRollout(production, { kind: "promotes" }, 6, "aborted");
        assert.equal(
            await main(
                ["rollback", "production"],
                deps(opener(production), (l) => lines.push(l), { rollouts: () => reader }),
            ),
            0,
        );
        assert.ok(lines.includes("rollout: fully promoted"), lines.join("\n"));
        assert.equal(lines.at(-1), `production: detector ${digest("b")} -> ${digest("a")}`);
        const list: string[] = [];
        await main(
            ["rollback", "production", "--list"],
            deps(opener(production), (l) => list.push(l)),
        );
        assert.match(
            list.find((l) => l.includes(digest("b")))!,
            /\(rolled back from in update 3\)$/,
        );
        const noStacks: OpenStack = async () => assert.fail("Pulumi must not be called for a usage error");
        await assert.rejects(
            main(
                ["rollback", "production", "--force"],
                deps(noStacks, () => undefined),
            ),
            /^UsageError: --force goes with --to REF/,
        );
        await assert.rejects(
            main(
                ["rollback", "production", "--to", "repo:1.4"],
                deps(noStacks, () => undefined),
            ),
            /--to: "repo:1\.4" is not pinned by digest/,
        );
    });

    it("rollout <stack> follows the Rollout to the end and saves it; promote --source-rollout gates on that saved verdict (the production job cannot reach staging's cluster)", async () => {
        const dir = mkdtempSync(join(tmpdir(), "rollout-"));
        try {
            const lines: string[] = [];
            const saved = join(dir, "staging-rollout.json");
            assert.equal(
                await main(
                    ["rollout", "staging", "--image", digest("b"), "--save", saved],
                    deps(opener(), (l) => lines.push(l)),
                ),
                0,
            );
            assert.equal(lines.at(-1), `staging: detector ${digest("b")} fully promoted and healthy`);
            assert.equal(JSON.parse(readFileSync(saved, "utf8")).kind, "Rollout");

            const production = fakeStack("production", { config: { "detector.image": digest("a") } });
            const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
            // No kubectl for staging here: only the file.
            const noStaging = {
                prometheus: () => passedLoadTest(digest("b")),
                rollouts: (stack: string) =>
                    stack === "staging" ? assert.fail("staging's cluster is not reachable") : fakeRollout(production, { kind: "promotes" }),
            };
            const code = await main(["promote", "production", "--prometheus-url", "http://127.0.0.1:9", "--source-rollout", saved], {
                ...deps(open, () => undefined, noStaging),
                rollouts: noStaging.rollouts,
            });
            assert.equal(code, 0);

            const aborted = join(dir, "aborted.json");
            writeFileSync(aborted, JSON.stringify(await settledRollout(digest("c"), "aborted").rollout()));
            const production2 = fakeStack("production", { config: { "detector.image": digest("a") } });
            await assert.rejects(
                main(
                    [
                        "promote",
                        "production",
                        "--image",
                        digest("c"),
                        "--prometheus-url",
                        "http://127.0.0.1:9",
                        "--source-rollout",
                        aborted,
                    ],
                    { ...deps(opener(fakeStack("staging"), production2), () => undefined, noStaging), rollouts: noStaging.rollouts },
                ),
                /^CheckFailedError: stack staging: its Rollout has not released \S+sha256:c{64} \(aborted: RolloutAborted/,
            );
            assert.deepEqual(production2.ups, []);
            writeFileSync(aborted, "{}");
            await assert.rejects(
                main(
                    ["promote", "production", "--source-rollout", aborted, "--prometheus-url", "http://127.0.0.1:9"],
                    deps(open, () => undefined, noStaging),
                ),
                /^UsageError: --source-rollout .*: not a Rollout/,
            );
            await assert.rejects(
                main(
                    ["rollout", "production", "--image", digest("c")],
                    deps(opener(), () => undefined, { rollouts: () => settledRollout(digest("c"), "aborted") }),
                ),
                /rollout aborted, traffic is back on the stable version/,
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rollback --list prints the releases from the history", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))] });
        await main(
            ["rollback", "production", "--list"],
            deps(opener(production), (l) => lines.push(l)),
        );
        assert.equal(lines.length, 2);
        assert.match(lines[0], /update 2 .*sha256:b{64}$/);
    });

    it("rollback of a stack without a stack file is a usage error before Pulumi is called", async () => {
        const open = async () => assert.fail("the stack is not opened for a mistyped stack");
        await assert.rejects(
            main(
                ["rollback", "prodution", "--list"],
                deps(open, () => undefined),
            ),
            /^UsageError: stack "prodution": no Pulumi\.prodution\.yaml/,
        );
    });

    it("rollback without a stack is a usage error", async () => {
        await assert.rejects(
            main(
                ["rollback"],
                deps(opener(), () => undefined),
            ),
            /^UsageError: missing argument: <stack>/,
        );
    });

    it("an unknown flag is an error naming it", async () => {
        await assert.rejects(
            main(
                ["promote", "--form", "staging"],
                deps(opener(), () => undefined),
            ),
            /^UsageError: Unknown option '--form'/,
        );
    });
});

describe("release CLI: cluster", () => {
    it("prints the region and EKS cluster of a stack from its stack file, as GITHUB_OUTPUT lines", async () => {
        const lines: string[] = [];
        assert.equal(
            await main(
                ["cluster", "production"],
                deps(opener(), (l) => lines.push(l)),
            ),
            0,
        );
        assert.deepEqual(lines, ["region=eu-west-1", "cluster=pneumonia-production"]);
    });

    it("refuses a stack that is not on EKS, and an unknown stack", async () => {
        await assert.rejects(
            main(
                ["cluster", "local"],
                deps(opener(), () => undefined),
            ),
            /stack local: no aws and cluster sections: not an EKS stack/,
        );
        await assert.rejects(
            main(
                ["cluster", "qa"],
                deps(opener(), () => undefined),
            ),
            /stack "qa": no Pulumi\.qa\.yaml/,
        );
    });
});
