import * as assert from "node:assert/strict";
import { main, type ReleaseDeps } from "../../../src/release/cli";
import { ReleaseError } from "../../../src/release/image";
import type { InstantQuery } from "../../../src/release/load-test-gate";
import type { OpenStack } from "../../../src/release/stack";
import { digest, fakeStack, opener, update } from "./fake-stack";
import { fakeRollout } from "./fake-rollout";

/** Prometheus as its instant-query API answers for the Pushgateway's load-test group. */
const passedLoadTest = (image: string): InstantQuery => async () => [
    { metric: { __name__: "pneumonia_load_test_passed", job: "pneumonia-load-test", image }, value: [1, "1"] },
    { metric: { __name__: "pneumonia_load_test_p95_seconds", job: "pneumonia-load-test", image }, value: [1, "0.42"] },
];

function deps(open: OpenStack, out: (line: string) => void, extra: Partial<ReleaseDeps> = {}): ReleaseDeps {
    return { open, out, kubectl: ["false"], pollSeconds: 0, ...extra };
}

describe("release CLI", () => {
    it("promote runs the image checks (src/release/verify.ts) after the load-test gate and writes nothing when they refuse", async () => {
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const refuse = () => async (image: string) => {
            throw new ReleaseError(`${image}: never scanned (scan on push did not run)`);
        };
        await assert.rejects(
            main(["promote", "production", "--prometheus-url", "http://127.0.0.1:9"], deps(open, () => undefined, { prometheus: () => passedLoadTest(digest("b")), verify: refuse })),
            (e: Error) => e instanceof ReleaseError && /never scanned/.test(e.message),
        );
        assert.equal(production.config.get("detector.image"), digest("a"));
        assert.deepEqual(production.ups, []);
    });

    it("promote --dry-run checks the gate and prints the change it would make", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const code = await main(["promote", "production", "--dry-run", "--prometheus-url", "http://127.0.0.1:9"], deps(open, (l) => lines.push(l), { prometheus: () => passedLoadTest(digest("b")) }));
        assert.equal(code, 0);
        assert.match(lines[0]!, /^staging load test passed for .*: p95 0\.420 s \(limit 2 s\)/);
        assert.equal(lines.at(-1), `production: detector.image ${digest("a")} -> ${digest("b")} (dry run, nothing written)`);
        assert.deepEqual(production.ups, []);
    });

    it("promote <stack> --hotfix deploys and follows the canary to the end", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const open = opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production);
        const code = await main(
            ["promote", "production", "--hotfix", "--prometheus-url", "http://127.0.0.1:9"],
            deps(open, (l) => lines.push(l), { prometheus: () => passedLoadTest(digest("b")), rollouts: () => fakeRollout(production, { kind: "promotes" }) }),
        );
        assert.equal(code, 0);
        assert.ok(lines.includes("production: watching the hotfix canary (at most 40 min)"), lines.join("\n"));
        assert.equal(lines.at(-1), `production: detector ${digest("b")} released (hotfix): canary fully promoted`);
    });

    it("rollback --list prints the releases from the history", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))] });
        await main(["rollback", "production", "--list"], deps(opener(production), (l) => lines.push(l)));
        assert.equal(lines.length, 2);
        assert.match(lines[0], /update 2 .*sha256:b{64}$/);
    });

    it("rollback of a stack without a stack file is a usage error before Pulumi is called", async () => {
        const open = async () => assert.fail("the stack is not opened for a mistyped stack");
        await assert.rejects(main(["rollback", "prodution", "--list"], deps(open, () => undefined)), /^UsageError: stack "prodution": no Pulumi\.prodution\.yaml/);
    });

    it("rollback without a stack is a usage error", async () => {
        await assert.rejects(main(["rollback"], deps(opener(), () => undefined)), /^UsageError: missing argument: <stack>/);
    });

    it("an unknown flag is an error naming it", async () => {
        await assert.rejects(main(["promote", "--form", "staging"], deps(opener(), () => undefined)), /^UsageError: Unknown option '--form'/);
    });
});

describe("release CLI: cluster", () => {
    it("prints the region and EKS cluster of a stack from its stack file, as GITHUB_OUTPUT lines", async () => {
        const lines: string[] = [];
        assert.equal(await main(["cluster", "production"], deps(opener(), (l) => lines.push(l))), 0);
        assert.deepEqual(lines, ["region=eu-west-1", "cluster=pneumonia-production"]);
    });

    it("refuses a stack that is not on EKS, and an unknown stack", async () => {
        await assert.rejects(main(["cluster", "local"], deps(opener(), () => undefined)), /stack local: no aws and cluster sections: not an EKS stack/);
        await assert.rejects(main(["cluster", "qa"], deps(opener(), () => undefined)), /stack "qa": no Pulumi\.qa\.yaml/);
    });
});
