// The VerticalPodAutoscaler CRD's published schema (fixtures/vpa-v1-crd-schema.json, from the pinned
// vpa chart's crds/), for the shared Kubernetes schema check (tests/helpers/kubernetes-schema.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";

const crd = JSON.parse(readFileSync(join(__dirname, "fixtures", "vpa-v1-crd-schema.json"), "utf8")) as { schema: Record<string, unknown> };
// CRD schemas carry Kubernetes' x-kubernetes-* extensions and formats (int32, int64), which a JSON
// Schema validator must ignore, as the API server's structural schema check does not need them.
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(crd.schema);

export const vpaApiVersion = "autoscaling.k8s.io/v1";

/** The schema's errors for an object; [] when valid. */
export function vpaSchemaErrors(object: unknown): string[] {
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** Throws naming the object and its violations, like validateKubernetesObject. */
export async function validateVerticalPodAutoscaler(object: Record<string, unknown>): Promise<void> {
    const errors = vpaSchemaErrors(object);
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    if (errors.length > 0) throw new Error(`VerticalPodAutoscaler/${metadata.namespace ?? "-"}/${metadata.name}: ${errors.join("; ")}`);
}
