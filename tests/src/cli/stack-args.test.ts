// The argument checks stack commands make before anything starts (src/cli/stack-args.ts).
import * as assert from "node:assert/strict";
import { imageArgument, stackArgument } from "../../../src/cli/stack-args";

describe("stack command arguments (src/cli/stack-args.ts)", () => {
    it("names a missing stack file as a usage error, and reads an existing one", () => {
        assert.throws(() => stackArgument("qa"), /^UsageError: stack "qa": no Pulumi\.qa\.yaml \(stacks: local, production, staging\)$/);
        assert.equal(stackArgument("production").environment, "production");
    });

    it("refuses an image that is not immutable, with the config's own wording", () => {
        assert.throws(
            () => imageArgument("--to", "registry.example/pneumonia-detector:latest"),
            /^UsageError: --to: expected an immutable tag, not latest, got "registry.example\/pneumonia-detector:latest"$/,
        );
        assert.throws(() => imageArgument("--to", "not an image"), /^UsageError: --to: expected an image reference such as repo:1\.2\.3/);
        const digest = `registry.example/pneumonia-detector@sha256:${"a".repeat(64)}`;
        assert.equal(imageArgument("--to", digest), digest);
    });
});
