import * as assert from "node:assert/strict";
import { main } from "../../../src/release/cli";
import { digest, fakeStack, opener, update } from "./fake-stack";

describe("release CLI", () => {
    it("promote prints the change it made", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { config: { "detector.image": digest("a") } });
        const code = await main(["promote"], opener(fakeStack("staging", { outputs: { detectorImage: digest("b") } }), production), (l) => lines.push(l));
        assert.equal(code, 0);
        assert.deepEqual(lines, [`production: detector.image ${digest("a")} -> ${digest("b")}`]);
    });

    it("rollback --list prints the releases from the history", async () => {
        const lines: string[] = [];
        const production = fakeStack("production", { updates: [update(2, digest("b")), update(1, digest("a"))] });
        await main(["rollback", "production", "--list"], opener(production), (l) => lines.push(l));
        assert.equal(lines.length, 2);
        assert.match(lines[0], /update 2 .*sha256:b{64}$/);
    });

    it("rollback without a stack is a usage error", async () => {
        await assert.rejects(main(["rollback"], opener(), () => undefined), /usage: npm run rollback -- <stack>/);
    });

    it("an unknown flag is an error naming it", async () => {
        await assert.rejects(main(["promote", "--form", "staging"], opener(), () => undefined), /--form/);
    });
});

describe("release CLI: cluster", () => {
    it("prints the region and EKS cluster of a stack from its stack file, as GITHUB_OUTPUT lines", async () => {
        const lines: string[] = [];
        assert.equal(await main(["cluster", "production"], opener(), (l) => lines.push(l)), 0);
        assert.deepEqual(lines, ["region=eu-west-1", "cluster=pneumonia-production"]);
    });

    it("refuses a stack that is not on EKS, and an unknown stack", async () => {
        await assert.rejects(main(["cluster", "local"], opener(), () => undefined), /stack local: no aws and cluster sections: not an EKS stack/);
        await assert.rejects(main(["cluster", "qa"], opener(), () => undefined), /stack "qa": no Pulumi\.qa\.yaml/);
    });
});
