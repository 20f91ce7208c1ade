// Validators for custom resources that kubernetes-models does not ship, compiled from the CRD's own
// openAPIV3Schema kept as a fixture at the chart version the platform pins.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";

/**
 * The API server prunes fields a structural schema does not declare
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning):
 * a misspelt field would vanish silently, so an undeclared field is an error here.
 */
function closed(schema: any): any {
    if (schema === null || typeof schema !== "object") return schema;
    const out: any = Array.isArray(schema) ? schema.map(closed) : Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
    if (!Array.isArray(schema) && schema.type === "object" && schema.properties && schema["x-kubernetes-preserve-unknown-fields"] !== true) out.additionalProperties = false;
    return out;
}

function compile(fixture: string): ValidateFunction {
    const { schema } = JSON.parse(readFileSync(fixture, "utf8"));
    const root = { ...schema, properties: { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } } };
    return new Ajv({ strict: false, allErrors: true }).compile(closed(root));
}

/** By "apiVersion kind". */
export const crdValidators: Record<string, ValidateFunction> = {
    // sigstore/helm-charts policy-controller-0.10.6, templates/crds/clusterimagepolicy.yaml (v1beta1).
    "policy.sigstore.dev/v1beta1 ClusterImagePolicy": compile(join(__dirname, "../infra/images/fixtures/clusterimagepolicy-v1beta1-schema.json")),
};
