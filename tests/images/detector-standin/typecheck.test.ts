// The stand-in is type-checked on its own terms: Node runs it by stripping types, so only erasable
// TypeScript (no enums, no parameter properties: erasableSyntaxOnly) and .ts import paths
// (https://nodejs.org/api/typescript.html#type-stripping). The repository's tsconfig does not include it.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "../../helpers/cli";

describe("detector stand-in sources (images/detector-standin/tsconfig.json)", function () {
    this.timeout(60_000);

    it("type-check under strict, erasable-syntax-only settings", () => {
        const tsc = spawnSync(
            process.execPath,
            [path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "images/detector-standin/tsconfig.json"],
            {
                cwd: repoRoot,
                encoding: "utf8",
            },
        );
        assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    });
});
