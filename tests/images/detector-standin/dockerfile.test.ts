// The stand-in's image: the Node it is tested on (.ci/run's pinned LTS), a numeric non-root user the
// restricted pod securityContext accepts, and only what the server needs in the build context.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../helpers/cli";

const dir = path.join(repoRoot, "images/detector-standin");
const dockerfile = readFileSync(path.join(dir, "Dockerfile"), "utf8");

describe("detector stand-in image (images/detector-standin/Dockerfile)", () => {
    it("runs on the Node version CI tests it with, pinned to a patch release of a slim image", () => {
        const ciNode = /^node_version=(\S+)$/m.exec(readFileSync(path.join(repoRoot, ".ci/run"), "utf8"))?.[1];
        assert.ok(ciNode, ".ci/run pins no node_version");
        assert.deepEqual(
            [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]),
            [`node:${ciNode}-bookworm-slim`],
        );
    });

    it("runs as a numeric non-root user, with node as PID 1 (it handles SIGTERM itself)", () => {
        const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
        assert.ok(user && Number(user[1]) > 0 && Number(user[2]) > 0, "USER must be numeric and not root");
        assert.match(dockerfile, /^ENTRYPOINT \["node", "src\/main\.ts"\]$/m);
    });

    it("sends only package.json and the sources as build context", () => {
        assert.deepEqual(readFileSync(path.join(dir, ".dockerignore"), "utf8").trim().split("\n"), ["*", "!package.json", "!src/**"]);
        assert.deepEqual(
            [...dockerfile.matchAll(/^COPY (\S+)/gm)].map((m) => m[1]),
            ["package.json", "src"],
        );
    });
});
