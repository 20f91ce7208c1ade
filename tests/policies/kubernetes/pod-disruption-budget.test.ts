import * as assert from "node:assert/strict";
import { disruptionsAllowed } from "../../../policies/kubernetes/pod-disruption-budget";
import { messages } from "../check";
import { autoscaler, deployment, podDisruptionBudget } from "../factory";

describe("kubernetes/pod-disruption-budget", () => {
    it("computes allowed disruptions as the disruption controller rounds", () => {
        assert.equal(disruptionsAllowed({ maxUnavailable: 1 }, 3), 1);
        assert.equal(disruptionsAllowed({ maxUnavailable: "10%" }, 3), 1);
        assert.equal(disruptionsAllowed({ minAvailable: 2 }, 3), 1);
        assert.equal(disruptionsAllowed({ minAvailable: "50%" }, 3), 1);
        assert.equal(disruptionsAllowed({ minAvailable: 3 }, 3), 0);
        assert.equal(disruptionsAllowed({}, 3), undefined);
    });
    it("passes a budget allowing one disruption at the HPA minimum", async () => {
        assert.deepEqual(
            await messages("kubernetes-pod-disruption-budget", [
                deployment("detector", { replicas: undefined }),
                autoscaler("detector", 3),
                podDisruptionBudget("detector"),
            ]),
            [],
        );
    });
    it("flags a replicated workload without a budget (production), and relaxes it elsewhere", async () => {
        const list = [deployment("mlflow", { replicas: 2 })];
        assert.deepEqual(await messages("kubernetes-pod-disruption-budget", list), [
            "Deployment pneumonia/mlflow runs 2 replicas but no PodDisruptionBudget selects its pods",
        ]);
        assert.deepEqual(await messages("kubernetes-pod-disruption-budget", list, { required: false }), []);
    });
    it("flags a budget that blocks every drain at the HPA minimum, in every stack", async () => {
        const list = [
            deployment("detector", { replicas: 10 }),
            autoscaler("detector", 2),
            podDisruptionBudget("detector", { minAvailable: 2 }),
        ];
        assert.deepEqual(await messages("kubernetes-pod-disruption-budget", list, { required: false }), [
            "PodDisruptionBudget pneumonia/detector allows no disruption of Deployment pneumonia/detector at 2 replica(s) (HorizontalPodAutoscaler detector minReplicas): node drains would block",
        ]);
    });
});
