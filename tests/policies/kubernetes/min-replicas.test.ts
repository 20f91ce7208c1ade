import * as assert from "node:assert/strict";
import { messages } from "../check";
import { autoscaler, deployment, statefulSet } from "../factory";

describe("kubernetes/min-replicas", () => {
    it("passes 2+ replicas, counting an HPA's minReplicas when it scales the workload", async () => {
        assert.deepEqual(
            await messages("kubernetes-min-replicas", [
                deployment("mlflow", { replicas: 2 }),
                deployment("detector", { replicas: undefined }),
                autoscaler("detector", 3),
            ]),
            [],
        );
    });
    it("flags a single replica, an unset count without HPA and an HPA minimum of 1", async () => {
        const found = await messages("kubernetes-min-replicas", [
            statefulSet("postgres", 1),
            deployment("mlflow", { replicas: undefined }),
            deployment("detector", { replicas: 5 }),
            autoscaler("detector", 1),
        ]);
        assert.deepEqual(found, [
            "StatefulSet pneumonia/postgres runs 1 replica(s) (spec.replicas); at least 2 required",
            "Deployment pneumonia/mlflow runs 1 replica(s) (spec.replicas (unset, default 1)); at least 2 required",
            "Deployment pneumonia/detector runs 1 replica(s) (HorizontalPodAutoscaler detector minReplicas); at least 2 required",
        ]);
        assert.deepEqual(await messages("kubernetes-min-replicas", [statefulSet("postgres", 1)], { minReplicas: 1 }), []);
    });
});
