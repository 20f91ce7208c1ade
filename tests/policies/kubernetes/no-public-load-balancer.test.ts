import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edgeIngress } from "../edge-factory";
import { edit, service } from "../factory";

describe("kubernetes/no-public-load-balancer", () => {
    it("passes ClusterIP Services, internal load balancers and the sanctioned edge's Ingress", async () => {
        const internal = edit(service("detector", { type: "LoadBalancer" }), (p) => {
            p.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
        });
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [service("mlflow"), internal, edgeIngress()]), []);
    });
    it("flags a LoadBalancer without an internal annotation, or an internet-facing one", async () => {
        const facing = edit(service("detector", { type: "LoadBalancer" }), (p) => {
            p.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" };
        });
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [facing]), [
            "Service pneumonia/detector is a LoadBalancer without an internal annotation: it would be reachable from the internet",
        ]);
    });
    it("flags an internet-facing Ingress other than the sanctioned edge, and follows the setting", async () => {
        const sideDoor = edgeIngress("mlflow", "pneumonia");
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [sideDoor]), [
            "Ingress pneumonia/mlflow is an internet-facing load balancer, but only the sanctioned edge (edge/edge) may be",
        ]);
        assert.deepEqual(await messages("kubernetes-no-public-load-balancer", [sideDoor], { sanctionedEdges: ["pneumonia/mlflow"] }), []);
        assert.equal(
            (await messages("kubernetes-no-public-load-balancer", [edgeIngress()], { sanctionedEdges: ["pneumonia/mlflow"] })).length,
            1,
        );
    });
});
