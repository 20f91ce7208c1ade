// `local` runs the detector stand-in, built from this repository and loaded into kind; staging and
// production run the real detector. The image tag follows the stand-in's package version, so that
// what `npm run local:up` builds is what the stack deploys.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isStandInImage } from "../../policies/kubernetes/no-detector-standin";
import { repoRoot } from "../helpers/cli";
import type { PlannedResource } from "../../src/plan/run";
import { plan } from "../helpers/plan";

const standInPackage = JSON.parse(readFileSync(path.join(repoRoot, "images/detector-standin/package.json"), "utf8")) as { version: string };

/** The detector's container, whatever kind of workload carries it (Deployment, Rollout). */
function detectorContainers(resources: PlannedResource[]): Array<{ image: string; imagePullPolicy?: string }> {
    return resources.flatMap((r) => {
        if ((r.inputs as any)?.metadata?.name !== "detector") return [];
        const containers = (r.inputs as any)?.spec?.template?.spec?.containers as
            Array<{ name: string; image: string; imagePullPolicy?: string }> | undefined;
        return (containers ?? []).filter((c) => c.name === "detector");
    });
}

describe("the detector image per stack", function () {
    this.timeout(120_000);

    it("local runs pneumonia/detector-standin:<its package version>, pulled only if absent (kind load)", async () => {
        const containers = detectorContainers((await plan("local")).resources);
        assert.ok(containers.length >= 1);
        for (const c of containers) {
            assert.equal(c.image, `pneumonia/detector-standin:${standInPackage.version}`);
            // Kubernetes defaults imagePullPolicy to IfNotPresent for a tag other than :latest
            // (https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting),
            // which is what a kind-loaded image needs; Always would try a registry that has no such image.
            assert.ok(c.imagePullPolicy === undefined || c.imagePullPolicy === "IfNotPresent", c.imagePullPolicy);
        }
    });

    it("staging and production run the real detector by digest", async () => {
        for (const stack of ["staging", "production"]) {
            const containers = detectorContainers((await plan(stack)).resources);
            assert.ok(containers.length >= 1, stack);
            for (const c of containers) {
                assert.ok(!isStandInImage(c.image), `${stack}: ${c.image}`);
                assert.match(c.image, /@sha256:[a-f0-9]{64}$/, stack);
            }
        }
    });

    it("the stand-in reports the version its image is tagged with", () => {
        const main = readFileSync(path.join(repoRoot, "images/detector-standin/src/main.ts"), "utf8");
        assert.match(main, new RegExp(`export const standInVersion = "${standInPackage.version.replace(/\./g, "\\.")}";`));
    });
});
