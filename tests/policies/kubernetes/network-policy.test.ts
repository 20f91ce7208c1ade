import * as assert from "node:assert/strict";
import { messages } from "../check";
import { defaultDeny, deployment, namespace } from "../factory";

describe("kubernetes/network-policy", () => {
    it("passes namespaces with a default-deny policy selecting every pod", async () => {
        assert.deepEqual(
            await messages("kubernetes-network-policy", [namespace("pneumonia"), defaultDeny("pneumonia"), deployment("detector")]),
            [],
        );
    });
    it("flags a namespace without policy and workloads no policy selects, including undeclared namespaces", async () => {
        const found = await messages("kubernetes-network-policy", [
            namespace("pneumonia"),
            deployment("detector"),
            deployment("stray", { namespace: "default" }),
        ]);
        assert.deepEqual(found, [
            "Deployment pneumonia/detector: no NetworkPolicy selects its pods",
            "Deployment default/stray: no NetworkPolicy selects its pods",
            "namespace pneumonia has no NetworkPolicy",
            "namespace default has no NetworkPolicy",
        ]);
    });
});
