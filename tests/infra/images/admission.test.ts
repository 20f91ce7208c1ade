// Signed-image admission: the policy-controller values against the pinned chart's values.yaml, the
// ClusterImagePolicy against the chart's CRD schema (both fixtures taken from
// https://github.com/sigstore/helm-charts at tag policy-controller-0.10.6), and the plans.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { imagesDefaults } from "../../../infra/images/config";
import { policyControllerValues, signedImagesPolicy } from "../../../infra/images/admission";
import { policyController } from "../../../infra/platform/charts";
import { signingIdentity } from "../../../infra/platform/repository";
import { crdValidators } from "../../helpers/crd-schema";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { at, plan, resourcesOf } from "../../helpers/plan";

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, "fixtures", name), "utf8"));
const keys = fixture("policy-controller-values-keys.json") as { version: string; paths: Record<string, "map" | "free-map" | "leaf"> };

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value))
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    return [prefix];
}
const unknownPaths = (paths: string[]) =>
    paths.filter((path) => {
        if (keys.paths[path]) return false;
        const parts = path.split(".");
        return !parts.some((_, i) => keys.paths[parts.slice(0, i + 1).join(".")] === "free-map");
    });

const validate = crdValidators["policy.sigstore.dev/v1beta1 ClusterImagePolicy"]!;

const signing = imagesDefaults("production").signing;
const policyFor = (environment: "staging" | "production") =>
    signedImagesPolicy({ environment, registryAccountId: "111122223333", region: "eu-west-1", signing });

describe("images: signed-image admission (Sigstore policy-controller)", function () {
    this.timeout(120_000);

    it("values are checked against the pinned chart version's key list, and use only its keys", () => {
        assert.equal(keys.version, policyController.version);
        for (const environment of ["staging", "production"] as const) {
            assert.deepEqual(unknownPaths(leafPaths(policyControllerValues({ environment, namespaces: ["pneumonia", "monitoring"] }))), []);
        }
        // The check can fail: a misspelt key is reported.
        assert.deepEqual(unknownPaths(["webhook.namespaceSelecter.matchExpressions"]), ["webhook.namespaceSelecter.matchExpressions"]);
    });

    it("the ClusterImagePolicy passes the CRD's schema in both modes", () => {
        for (const environment of ["staging", "production"] as const)
            assert.ok(validate(policyFor(environment)), JSON.stringify(validate.errors));
        return validateKubernetesObject(policyFor("production"));
    });

    it("the schema check refuses a misspelt field and a wrong type", () => {
        const misspelt: any = policyFor("production");
        misspelt.spec.authorities[0].keyles = misspelt.spec.authorities[0].keyless;
        delete misspelt.spec.authorities[0].keyless;
        assert.equal(validate(misspelt), false);
        const wrongType: any = policyFor("production");
        wrongType.spec.images = { glob: "x" };
        assert.equal(validate(wrongType), false);
    });

    it("production enforces signatures by CI's identity on the registry's images; staging only warns", async () => {
        for (const [stack, mode] of [
            ["production", "enforce"],
            ["staging", "warn"],
        ] as const) {
            const p = await plan(stack);
            const [release] = resourcesOf(p, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === policyController.chart);
            assert.equal(release?.inputs.version, policyController.version, stack);
            assert.deepEqual(at(release!.inputs, "values.webhook.namespaceSelector.matchExpressions.0.values"), [
                "monitoring",
                "pneumonia",
            ]);
            const [policy] = resourcesOf(p, "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy");
            assert.equal(at(policy!.inputs, "spec.mode"), mode, stack);
            assert.deepEqual(at(policy!.inputs, "spec.images"), [{ glob: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/**" }]);
            // The identity derives from the stack's one repository setting (infra/platform/repository.ts).
            const subject = signingIdentity(String(p.config.repository));
            assert.equal(subject, "https://github.com/example-org/pneumonia-platform/.github/workflows/delivery.yml@refs/heads/main");
            assert.deepEqual(at(policy!.inputs, "spec.authorities.0.keyless.identities"), [{ issuer: signing.issuer, subject }]);
        }
    });

    it("local has no admission controller (no registry, no CI signatures)", async () => {
        assert.deepEqual(resourcesOf(await plan("local"), "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy"), []);
    });
});
