import * as assert from "node:assert/strict";
import { isStandInImage } from "../../../policies/kubernetes/no-detector-standin";
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
        assert.deepEqual(await messages("kubernetes-no-detector-standin", withImage("pneumonia/detector-standin:0.1.0"), { allowStandIn: true }), []);
    });
});
