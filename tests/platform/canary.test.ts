// Canary: the replica split of every step, computed as Argo Rollouts computes it, differs from the
// previous step's, at every replica count the detector's autoscaler may choose. Without a traffic
// router the traffic share is the replica share, so a repeated split is a step that tests nothing.
// Upstream: argoproj/argo-rollouts v1.9.0 (appVersion of chart argo-rollouts 2.41.0),
// utils/replicaset/canary.go CalculateReplicaCountsForBasicCanary → approximateWeightedCanaryStableReplicaCounts;
// the known answers below are rows of TestApproximateWeightedCanaryStableReplicaCounts in canary_test.go.
import { strict as assert } from "node:assert";
import { argoRollouts } from "../../infra/platform/charts";
import { canarySplits, repeatedCanarySteps, replicaSplit } from "../../infra/release/replica-split";
import { stacks } from "../helpers/plan";
import { checkCanary } from "./canary";
import { renderPlatform } from "./render";

describe("platform: canary replica splits", () => {
    it("computes the controller's split (rows of upstream's canary_test.go at v1.9.0)", () => {
        assert.equal(argoRollouts.controllerTag, "v1.9.0", "the rows below are from the controller this chart runs");
        const rows: Array<[replicas: number, weight: number, surge: number, canary: number, stable: number]> = [
            [1, 49, 0, 0, 1],
            [1, 50, 0, 1, 0],
            [1, 50, 1, 1, 1],
            [2, 1, 1, 1, 2],
            [2, 99, 1, 2, 1],
            [3, 10, 0, 1, 2],
            [3, 10, 1, 1, 3],
            [3, 25, 1, 1, 3],
            [3, 49, 1, 2, 2],
            [10, 15, 0, 2, 8],
            [10, 18, 1, 2, 9],
            [10, 24, 1, 3, 8],
            [10, 99, 1, 10, 1],
            [10, 100, 1, 10, 0],
        ];
        for (const [replicas, weight, surge, canary, stable] of rows) {
            assert.deepEqual(
                replicaSplit(replicas, weight, surge),
                { canary, stable },
                `replicas ${replicas}, weight ${weight}, surge ${surge}`,
            );
        }
    });

    it("finds the repeated step of issue 21 finding 6: 10 % and 25 % of 3 replicas are both 1 canary + 3 stable", () => {
        assert.deepEqual(canarySplits(3, [10, 25, 50], 1).slice(1), [
            { canary: 1, stable: 3 },
            { canary: 1, stable: 3 },
            { canary: 2, stable: 2 },
        ]);
        assert.deepEqual(repeatedCanarySteps([10, 25, 50], 3, 3, 1), [
            "at 3 replicas, 25 % runs the same 1 canary + 3 stable pods as 10 %",
        ]);
    });

    for (const stack of stacks) {
        it(`changes the split at every step of the ${stack} Rollout, at every replica count its autoscaler allows`, async () => {
            const check = checkCanary(await renderPlatform(stack));
            assert.deepEqual(check.findings, []);
            console.log(`      ${stack}: at ${check.minReplicas} replicas ${check.steps.join(", ")}`);
        });
    }
});
