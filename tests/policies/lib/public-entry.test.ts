import * as assert from "node:assert/strict";
import { isSet, publicEntryOf } from "../../../policies/lib/public-entry";
import { edit, service } from "../factory";
import { edgeIngress } from "../edge-factory";
import * as k8s from "@pulumi/kubernetes";

// The engine's `isType` compares the resource's type token with the class's __pulumiType.
const typed = (r: { type: string; props: Record<string, any> }) => ({ ...r, isType: (c: any) => c.__pulumiType === r.type });

describe("lib/public-entry", () => {
    it("sees an internet-facing ALB Ingress and a LoadBalancer Service without an internal annotation", () => {
        assert.equal(publicEntryOf(typed(edgeIngress()))?.id, "edge/edge");
        assert.equal(publicEntryOf(typed(service("detector", { type: "LoadBalancer" })))?.kind, "Service");
        assert.equal((k8s.networking.v1.Ingress as any).__pulumiType, "kubernetes:networking.k8s.io/v1:Ingress");
    });
    it("ignores ClusterIP Services, internal load balancers and Ingresses without the internet-facing scheme (the controller's default is internal)", () => {
        assert.equal(publicEntryOf(typed(service("detector"))), undefined);
        const internal = edit(service("detector", { type: "LoadBalancer" }), (p) => {
            p.metadata.annotations = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" };
        });
        assert.equal(publicEntryOf(typed(internal)), undefined);
        const noScheme = edit(edgeIngress(), (p) => delete p.metadata.annotations["alb.ingress.kubernetes.io/scheme"]);
        assert.equal(publicEntryOf(typed(noScheme)), undefined);
    });
    it("counts an annotation whose value is unknown at preview as set, an empty one as unset", () => {
        assert.ok(isSet({ a: undefined }, "a"));
        assert.ok(!isSet({ a: "" }, "a"));
        assert.ok(!isSet({}, "a"));
    });
});
