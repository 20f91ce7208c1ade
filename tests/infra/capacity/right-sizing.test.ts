// The VPA recommender release and the VerticalPodAutoscaler objects, checked against the pinned
// chart's own values.yaml and the VerticalPodAutoscaler CRD's published schema (both fixtures derived
// from FairwindsOps/charts at the commit that made stable/vpa 5.0.0; see each fixture's `source`).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sizedWorkloads, vpaValues } from "../../../infra/capacity/right-sizing";
import { vpaChart } from "../../../infra/platform/charts";
import { planDrill } from "../../../src/dr/plan";
import type { Plan } from "../../../src/plan/run";
import { plan, resourcesOf, stacks } from "../../helpers/plan";
import { vpaSchemaErrors } from "./vpa-schema";

const keys = JSON.parse(readFileSync(join(__dirname, "fixtures", "vpa-values-keys.json"), "utf8")) as {
    version: string;
    paths: Record<string, string>;
};
const valid = (object: unknown): boolean => vpaSchemaErrors(object).length === 0;

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}
const unknownPaths = (paths: string[]) => paths.filter((p) => !keys.paths[p]);

describe("capacity: VPA recommender and recommendation objects", function () {
    this.timeout(120_000);

    it("the key list is the pinned chart version's", () => {
        assert.equal(keys.version, vpaChart.version);
    });

    it("the values use only keys of the chart's values.yaml, and a misspelt key is caught", () => {
        assert.deepEqual(unknownPaths(leafPaths(vpaValues())), []);
        assert.deepEqual(unknownPaths(["updater.enable", "recommender.image.tag"]), ["updater.enable"]);
    });

    it("installs the recommender only: no updater, no admission webhook", () => {
        const values = vpaValues() as Record<string, { enabled: boolean }>;
        assert.equal(values.recommender.enabled, true);
        assert.equal(values.updater.enabled, false);
        assert.equal(values.admissionController.enabled, false);
    });

    for (const stack of stacks) {
        it(`${stack}: one VPA in "Off" mode per sized workload, valid against the CRD schema, aimed at the planned objects`, async () => {
            const p = await plan(stack);
            const vpas = resourcesOf(p, "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler").map((r) => r.inputs as any);
            assert.equal(vpas.length, sizedWorkloads.length);
            for (const vpa of vpas) {
                assert.ok(valid(vpa), `${vpa.metadata.name}: ${vpaSchemaErrors(vpa).join("; ")}`);
                assert.equal(vpa.spec.updatePolicy.updateMode, "Off", vpa.metadata.name);
                const { kind, name } = vpa.spec.targetRef;
                const target = p.resources.find((r) => r.type.endsWith(`:${kind}`) && (r.inputs as any).metadata?.name === name);
                assert.ok(target, `${vpa.metadata.name}: no planned ${kind} ${name}`);
                assert.equal((target.inputs as any).metadata.namespace, vpa.metadata.namespace);
            }
            // The HPA keeps the detector's replicas.
            const hpa = resourcesOf(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map((r) => r.inputs as any);
            assert.equal(hpa.filter((h) => h.spec.scaleTargetRef.name === "detector").length, 1);
            const release = resourcesOf(p, "kubernetes:helm.sh/v3:Release").find((r) => (r.inputs as any).chart === vpaChart.chart)!;
            assert.equal((release.inputs as any).version, vpaChart.version);
        });
    }

    it("the schema refuses an updating mode that does not exist and a VPA without a target (the check can fail)", () => {
        const vpa = {
            apiVersion: "autoscaling.k8s.io/v1",
            kind: "VerticalPodAutoscaler",
            metadata: { name: "x" },
            spec: { targetRef: { kind: "Deployment", name: "x" }, updatePolicy: { updateMode: "Of" } },
        };
        assert.equal(valid(vpa), false);
        assert.equal(valid({ ...vpa, spec: { updatePolicy: { updateMode: "Off" } } }), false);
        assert.equal(valid({ ...vpa, spec: { ...vpa.spec, updatePolicy: { updateMode: "Off" } } }), true);
    });

    it("a drill stack installs no VPA chart and no VPA objects (cluster-wide CRDs and ClusterRoles)", async () => {
        const { drill }: { drill: Plan } = await planDrill("staging");
        assert.equal(resourcesOf(drill, "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler").length, 0);
        assert.equal(
            resourcesOf(drill, "kubernetes:helm.sh/v3:Release").filter((r) => (r.inputs as any).chart === vpaChart.chart).length,
            0,
        );
    });
});
