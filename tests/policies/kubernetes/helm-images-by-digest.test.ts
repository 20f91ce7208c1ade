import * as assert from "node:assert/strict";
import { messages, violations } from "../check";
import { edit, monitoringRelease } from "../factory";
import { loadStackConfig } from "../../../src/policy/config";
import { pack } from "../../../src/policy/pack";

const sha = "a".repeat(64);

describe("kubernetes/helm-images-by-digest", () => {
    it("passes a release whose every chart image has a digest", async () => {
        const release = edit(monitoringRelease(), (p) => {
            p.values = { prometheusOperator: { image: { tag: "v0.90.0", sha } }, grafana: { image: { digest: `sha256:${sha}` } } };
        });
        assert.deepEqual(await messages("kubernetes-helm-images-by-digest", [release]), []);
    });
    it("flags a release that runs its chart's images by tag, saying how many", async () => {
        assert.deepEqual(await messages("kubernetes-helm-images-by-digest", [monitoringRelease()]), [
            "Helm Release monitoring (chart kube-prometheus-stack 75.15.1) sets no image digest in its values: its images run by the chart's tags",
        ]);
        const partly = edit(monitoringRelease(), (p) => (p.values = { a: { image: { sha } }, b: { image: { tag: "1.0.0" } } }));
        assert.match((await messages("kubernetes-helm-images-by-digest", [partly]))[0]!, /leaves 1 of 2 image\(s\) without a digest/);
    });
    it("requires nothing where digests are not required", async () => {
        assert.deepEqual(await messages("kubernetes-helm-images-by-digest", [monitoringRelease()], { requireDigest: false }), []);
    });
    it("production exempts kube-prometheus-stack in writing; staging and local do not require digests", () => {
        const production = loadStackConfig("production", pack.policies).get("kubernetes-helm-images-by-digest")!;
        assert.equal(production.properties.requireDigest, true);
        const [exemption] = production.properties.exemptions as { resource: string; reason: string }[];
        assert.equal(exemption!.resource, "monitoring");
        assert.match(exemption!.reason, /tag/);
        for (const stack of ["staging", "local"])
            assert.equal(loadStackConfig(stack, pack.policies).get("kubernetes-helm-images-by-digest")!.properties.requireDigest, false);
    });
    it("the exemption is what lets production's release through", async () => {
        const exempt = await violations("kubernetes-helm-images-by-digest", [monitoringRelease()], {
            exemptions: [{ resource: "monitoring", reason: "tags are immutable upstream" }],
        });
        assert.deepEqual(exempt, []);
    });
});
