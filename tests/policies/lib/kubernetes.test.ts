import * as assert from "node:assert/strict";
import { minimumReplicas, selectorMatches, serviceSelects, workloadOf } from "../../../policies/lib/kubernetes";

describe("lib/kubernetes", () => {
    const labels = { "app.kubernetes.io/name": "detector", tier: "api" };

    it("evaluates label selectors as the API server does", () => {
        assert.ok(selectorMatches({}, labels), "an empty selector matches everything");
        assert.ok(selectorMatches({ matchLabels: { tier: "api" } }, labels));
        assert.ok(!selectorMatches({ matchLabels: { tier: "db" } }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["api", "web"] }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["api"] }] }, labels));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels));
    });

    it("lets an empty Service selector select nothing", () => {
        assert.ok(!serviceSelects({}, labels));
        assert.ok(serviceSelects({ tier: "api" }, labels));
    });

    it("takes the HPA's minimum for the workload it scales, in its namespace only", () => {
        const workload = { kind: "Deployment", metadata: { name: "detector", namespace: "pneumonia" }, replicas: 5 };
        const hpa = (namespace: string) => ({
            props: {
                metadata: { name: "detector", namespace },
                spec: { scaleTargetRef: { kind: "Deployment", name: "detector" }, minReplicas: 3 },
            },
        });
        assert.deepEqual(minimumReplicas(workload, [hpa("pneumonia")]), {
            replicas: 3,
            from: "HorizontalPodAutoscaler detector minReplicas",
        });
        assert.deepEqual(minimumReplicas(workload, [hpa("other")]), { replicas: 5, from: "spec.replicas" });
    });

    it("reads an Argo Rollout's pod template like a Deployment's, and no other custom resource's", () => {
        // argoproj.io/v1alpha1 Rollout: spec.template is a PodTemplateSpec (https://argo-rollouts.readthedocs.io/en/stable/features/specification/).
        const pod = { containers: [{ name: "detector", image: "detector:1.0.0" }] };
        const notAClass = { isType: () => false };
        const rollout = workloadOf({
            ...notAClass,
            props: {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                metadata: { name: "detector" },
                spec: { template: { spec: pod } },
            },
        });
        assert.equal(rollout?.kind, "Rollout");
        assert.deepEqual(rollout?.pod, pod);
        assert.equal(
            workloadOf({
                ...notAClass,
                props: { apiVersion: "argoproj.io/v1alpha1", kind: "AnalysisTemplate", spec: { template: { spec: pod } } },
            }),
            undefined,
        );
    });
});
