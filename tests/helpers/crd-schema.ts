// Validates custom resources that have no npm model against the openAPIV3Schema of the CRD the
// pinned chart installs (kept as a fixture, tests/infra/edge/fixtures/envoy-gateway-crd-schemas.json).
// Like an API server with strict field validation (kubectl's default since Kubernetes 1.27), a
// field the schema does not declare is an error unless the schema says x-kubernetes-preserve-unknown-fields.
// CEL rules (x-kubernetes-validations) are not evaluated: tests assert the cross-field rules we rely on.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";

interface SchemaFixture {
    source: string;
    kinds: Record<string, { file: string; schema: Record<string, unknown> }>;
}

const fixture = JSON.parse(
    readFileSync(join(__dirname, "..", "infra", "edge", "fixtures", "envoy-gateway-crd-schemas.json"), "utf8"),
) as SchemaFixture;

/** Groups whose kinds are checked here rather than by kubernetes-models. */
export const crdSchemaGroups = ["gateway.networking.k8s.io", "gateway.envoyproxy.io"];

/** Object nodes with declared properties and no escape hatch refuse undeclared fields. */
export function strictFields(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(strictFields);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node))
        out[key] =
            key === "properties"
                ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, strictFields(v)]))
                : strictFields(value);
    if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"])
        out.additionalProperties = false;
    return out;
}

// Kubernetes formats (int-or-string, date-time, …) and x-kubernetes-* keywords are not JSON Schema vocabulary.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string): ValidateFunction | undefined {
    const entry = fixture.kinds[key];
    if (!entry) return undefined;
    let validate = validators.get(key);
    if (!validate) {
        validate = ajv.compile(strictFields(entry.schema) as object);
        validators.set(key, validate);
    }
    return validate;
}

/** Throws naming the object and every schema violation; returns when the object is valid. */
export function validateCustomResource(object: Record<string, unknown>): void {
    const { apiVersion, kind } = object as { apiVersion: string; kind: string };
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const label = `${kind}/${metadata.namespace ?? "-"}/${metadata.name}`;
    const validate = validatorFor(`${apiVersion}/${kind}`);
    if (!validate) throw new Error(`${label}: no schema for ${apiVersion} ${kind} in ${fixture.source}`);
    if (!validate(object)) {
        const errors = (validate.errors ?? []).map(
            (e) =>
                `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`,
        );
        throw new Error(`${label}: ${errors.join("; ")}`);
    }
}

/**
 * Custom resources whose CRD fixture holds one schema (`{ schema }`), by "apiVersion kind"; the same
 * strictness as above: the API server prunes undeclared fields
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning),
 * so a misspelt field would vanish silently.
 */
function compileFixture(file: string): ValidateFunction {
    const { schema } = JSON.parse(readFileSync(file, "utf8"));
    const root = {
        ...schema,
        properties: { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } },
    };
    return ajv.compile(strictFields(root) as object);
}

export const crdValidators: Record<string, ValidateFunction> = {
    // sigstore/helm-charts policy-controller-0.10.6, templates/crds/clusterimagepolicy.yaml (v1beta1).
    "policy.sigstore.dev/v1beta1 ClusterImagePolicy": compileFixture(
        join(__dirname, "../infra/images/fixtures/clusterimagepolicy-v1beta1-schema.json"),
    ),
};
