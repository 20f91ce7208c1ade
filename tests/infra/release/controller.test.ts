import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { argoRolloutsValues, controllerPodLabels } from "../../../infra/release/controller";
import { argoRollouts } from "../../../infra/platform/charts";
import { at, plan, resource } from "../../helpers/plan";

interface KeyList {
    version: string;
    paths: Record<string, "map" | "free-map" | "value" | "list">;
}

// Derived from argoproj/argo-helm charts/argo-rollouts/values.yaml at tag argo-rollouts-<version>.
const keys = JSON.parse(readFileSync(join(__dirname, "fixtures", "argo-rollouts-values-keys.json"), "utf8")) as KeyList;

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}

/** Known: a key of the chart, or a key below one of its free-form maps (e.g. controller.resources). */
function unknownPaths(paths: string[]): string[] {
    return paths.filter((path) => {
        if (keys.paths[path]) return false;
        const parts = path.split(".");
        return !parts.some((_, i) => keys.paths[parts.slice(0, i + 1).join(".")] === "free-map");
    });
}

describe("release: Argo Rollouts chart values", () => {
    it("are checked against the pinned chart version's key list", () => {
        assert.equal(keys.version, argoRollouts.version);
    });

    for (const env of ["local", "staging", "production"] as const) {
        it(`use only keys of the chart's values.yaml (${env})`, () => {
            assert.deepEqual(unknownPaths(leafPaths(argoRolloutsValues(env))), []);
        });
    }

    it("catch a key the chart does not have", () => {
        assert.deepEqual(unknownPaths(["controller.replica", "dashboard.enable", "controller.resources.limits.cpu"]), [
            "controller.replica",
            "dashboard.enable",
        ]);
    });

    it("keep the CRDs on uninstall and run two controllers with a PDB in production only", () => {
        const production = argoRolloutsValues("production");
        assert.equal(production.keepCRDs, true);
        assert.equal(production.controller.replicas, 2);
        assert.equal(production.controller.pdb.enabled, true);
        assert.equal(argoRolloutsValues("staging").controller.replicas, 1);
    });
});

describe("release: Argo Rollouts in the stack", () => {
    it("installs the pinned chart into its own restricted namespace, before the detector's Rollout", async () => {
        const p = await plan("production");
        const release = resource(p, "kubernetes:helm.sh/v3:Release", "argo-rollouts").inputs;
        assert.equal(release.version, argoRollouts.version);
        assert.equal(release.chart, "argo-rollouts");
        assert.equal(release.namespace, "argo-rollouts");
        const ns = resource(p, "kubernetes:core/v1:Namespace", "argo-rollouts").inputs;
        assert.equal(at(ns, "metadata.labels")["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("lets the controller reach Prometheus on 9090, and Prometheus admit it", async () => {
        const p = await plan("staging");
        const own = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "argo-rollouts-controller").inputs;
        assert.deepEqual(at(own, "spec.podSelector.matchLabels"), controllerPodLabels);
        assert.deepEqual(at(own, "spec.egress.0"), {
            ports: [{ port: 9090, protocol: "TCP" }],
            to: [
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                },
            ],
        });
        const prometheus = resource(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "prometheus-from-argo-rollouts").inputs;
        assert.equal(at(prometheus, "metadata.namespace"), "monitoring");
        assert.deepEqual(at(prometheus, "spec.ingress.0.from.0.podSelector.matchLabels"), controllerPodLabels);
    });
});
