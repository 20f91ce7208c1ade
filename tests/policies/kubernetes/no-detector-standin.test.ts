import * as assert from "node:assert/strict";
import { isStandInImage } from "../../../policies/kubernetes/no-detector-standin";
import { loadStackConfig } from "../../../src/policy/config";
import { evaluate } from "../../../src/policy/evaluate";
import { pack } from "../../../src/policy/pack";
import { planResources } from "../../../src/policy/run";
import { plan } from "../../helpers/plan";
import { messages } from "../check";
import { deployment, edit } from "../factory";

const withImage = (image: string) => [edit(deployment("detector"), (p) => (p.spec.template.spec.containers[0].image = image))];

describe("kubernetes/no-detector-standin", () => {
    it("recognises the stand-in by its image name in any registry, and nothing else", () => {
        assert.ok(isStandInImage("pneumonia/detector-standin:0.1.0"));
        assert.ok(isStandInImage("111122223333.dkr.ecr.eu-west-1.amazonaws.com/detector-standin@sha256:" + "a".repeat(64)));
        assert.ok(isStandInImage("localhost:5000/detector-standin:0.1.0"));
        assert.ok(!isStandInImage("111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:" + "a".repeat(64)));
        assert.ok(!isStandInImage("ghcr.io/org/detector-standin-tools:1.0"));
    });

    it("refuses the stand-in by default (staging and production)", async () => {
        assert.deepEqual(await messages("kubernetes-no-detector-standin", withImage("pneumonia/detector-standin:0.1.0")), [
            'Deployment pneumonia/detector: container "detector" runs the detector stand-in pneumonia/detector-standin:0.1.0: its predictions are not a model\'s',
        ]);
    });

    it("passes the real detector, and the stand-in where allowed (local)", async () => {
        assert.deepEqual(await messages("kubernetes-no-detector-standin", [deployment("detector")]), []);
        assert.deepEqual(
            await messages("kubernetes-no-detector-standin", withImage("pneumonia/detector-standin:0.1.0"), { allowStandIn: true }),
            [],
        );
    });
});

describe("kubernetes/no-detector-standin on the stacks' plans", function () {
    this.timeout(120_000);
    // Pinned by digest, as production's config requires: the policy refuses the stand-in however it is pinned.
    const standIn = { detector: { image: `111122223333.dkr.ecr.eu-west-1.amazonaws.com/detector-standin@sha256:${"c".repeat(64)}` } };

    for (const stack of ["staging", "production"]) {
        it(`${stack} with the stand-in as detector.image is refused under its own policy config`, async () => {
            const resources = planResources(await plan(stack, { overrides: standIn }));
            const { violations } = await evaluate(pack, resources, loadStackConfig(stack, pack.policies));
            const found = violations.filter((v) => v.policy === "kubernetes-no-detector-standin");
            assert.equal(found.length, 1, JSON.stringify(violations.map((v) => v.policy)));
            assert.equal(found[0]!.level, "mandatory");
        });
    }

    it("local runs the stand-in under its own policy config", async () => {
        const { violations } = await evaluate(pack, planResources(await plan("local")), loadStackConfig("local", pack.policies));
        assert.deepEqual(
            violations.filter((v) => v.policy === "kubernetes-no-detector-standin"),
            [],
        );
    });
});
