import { strict as assert } from "node:assert";
import { at, plan, resourcesOf, stacks } from "../../helpers/plan";

describe("infra/platform/namespace", () => {
    for (const stack of stacks) {
        it(`${stack}: both namespaces enforce Pod Security "restricted" and deny by default`, async () => {
            const p = await plan(stack);
            const namespaces = resourcesOf(p, "kubernetes:core/v1:Namespace").filter((n) =>
                ["monitoring", "pneumonia"].includes(at(n.inputs, "metadata.name")),
            );
            assert.equal(namespaces.length, 2);
            for (const ns of namespaces) {
                assert.equal(at(ns.inputs, "metadata.labels")["pod-security.kubernetes.io/enforce"], "restricted");
                const name = at(ns.inputs, "metadata.name");
                const deny = resourcesOf(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
                    (np) => at(np.inputs, "metadata.namespace") === name && at(np.inputs, "metadata.name") === "default-deny",
                );
                assert.ok(deny, `default-deny in ${name}`);
                assert.deepEqual(at(deny!.inputs, "spec"), { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            }
        });
        it(`${stack}: any other namespace either enforces "restricted" or says why it cannot`, async () => {
            for (const ns of resourcesOf(await plan(stack), "kubernetes:core/v1:Namespace")) {
                const restricted = at(ns.inputs, "metadata.labels")["pod-security.kubernetes.io/enforce"] === "restricted";
                const exemption = (at(ns.inputs, "metadata.annotations") ?? {})["pneumonia.io/pod-security-exemption"];
                assert.ok(restricted || (typeof exemption === "string" && exemption.length > 20), `${at(ns.inputs, "metadata.name")}`);
            }
        });
        it(`${stack}: every Kubernetes object carries the app.kubernetes.io labels`, async () => {
            const p = await plan(stack);
            for (const r of p.resources.filter((x) => x.type.startsWith("kubernetes:") && x.inputs.kind)) {
                const labels = at(r.inputs, "metadata.labels") ?? {};
                for (const key of ["name", "instance", "part-of", "managed-by", "component"]) {
                    assert.ok(labels[`app.kubernetes.io/${key}`], `${r.type} ${r.name} lacks app.kubernetes.io/${key}`);
                }
            }
        });
    }
});
