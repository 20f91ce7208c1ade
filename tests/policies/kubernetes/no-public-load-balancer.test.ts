import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, service } from "../factory";

describe("kubernetes/no-public-load-balancer", () => {
    it("passes ClusterIP Services and internal load balancers", async () => {
        const internal = edit(service("detector", { type: "LoadBalancer" }), (p) => {
            p.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
        });
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [service("mlflow"), internal]), []);
    });
    it("flags a LoadBalancer without an internal annotation, or an internet-facing one", async () => {
        const facing = edit(service("detector", { type: "LoadBalancer" }), (p) => {
            p.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" };
        });
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [facing]), [
            "Service pneumonia/detector is a LoadBalancer without an internal annotation: it would be reachable from the internet",
        ]);
    });
});
