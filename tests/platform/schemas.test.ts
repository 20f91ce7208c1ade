// Every object of the rendered platform (charts' and project's) validates: built-in kinds against the
// Kubernetes schemas, custom resources against the CRDs the pinned charts install.
import { strict as assert } from "node:assert";
import { stacks } from "../helpers/plan";
import { platformOf, renderPlatform, type KubernetesObject, type RenderedObject } from "./render";
import { checkSchemas } from "./schemas";

const crd: KubernetesObject = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "probes.example.io" },
    spec: {
        group: "example.io",
        names: { kind: "Probe", plural: "probes" },
        scope: "Namespaced",
        versions: [
            {
                name: "v1",
                served: true,
                storage: true,
                schema: {
                    openAPIV3Schema: {
                        type: "object",
                        properties: { spec: { type: "object", properties: { mode: { type: "string", pattern: "^(?i)(abort|warn)?$" } } } },
                    },
                },
            },
        ],
    },
};
const object = (o: Record<string, unknown>): RenderedObject => ({
    source: "project",
    object: { metadata: { name: "x", namespace: "app" }, ...o } as KubernetesObject,
});

describe("platform: schemas", () => {
    for (const stack of stacks) {
        it(`${stack}: every object validates, custom resources against the installed CRDs`, async () => {
            const { builtIn, custom, invalid } = await checkSchemas(await renderPlatform(stack));
            assert.deepEqual(invalid, []);
            assert.ok(builtIn > 200 && custom > 50, `${builtIn} built-in, ${custom} custom objects checked`);
        });
    }

    it("a custom resource is checked against its CRD: undeclared fields and RE2 patterns as the API server reads them", async () => {
        const good = object({ apiVersion: "example.io/v1", kind: "Probe", spec: { mode: "WARN" } });
        assert.deepEqual((await checkSchemas(platformOf("t", [{ source: "project", object: crd }, good]))).invalid, []);
        const unknownField = object({ apiVersion: "example.io/v1", kind: "Probe", spec: { mode: "warn", modee: "warn" } });
        const badPattern = object({ apiVersion: "example.io/v1", kind: "Probe", spec: { mode: "stop" } });
        const { invalid, custom } = await checkSchemas(platformOf("t", [{ source: "project", object: crd }, unknownField, badPattern]));
        assert.equal(custom, 2);
        assert.match(invalid[0], /Probe\/app\/x \(project\): \/spec must NOT have additional properties \(modee\)/);
        assert.match(invalid[1], /\/spec\/mode must match pattern/);
    });

    it("a built-in object with a wrong field type, or a kind no schema knows, is invalid", async () => {
        const badPort = object({ apiVersion: "v1", kind: "Service", spec: { ports: [{ port: "http" }] } });
        const unknownKind = object({ apiVersion: "example.io/v1", kind: "Widget" });
        const { invalid } = await checkSchemas(platformOf("t", [badPort, unknownKind]));
        assert.equal(invalid.length, 2);
        assert.match(invalid[0], /^Service\/app\/x: .*port/);
        assert.match(invalid[1], /no schema for example.io\/v1 Widget/);
    });
});
