// Schemas: every object of the rendered platform validates. Custom resources are checked against the
// openAPIV3Schema of the CRD the platform's charts install (the served version of its group and kind),
// with the API server's strictness (undeclared fields are errors: tests/helpers/crd-schema.ts);
// built-in kinds against the kubernetes-models schemas (tests/helpers/kubernetes-schema.ts).
import Ajv, { type ValidateFunction } from "ajv";
import { RE2JS } from "re2js";
import { strictFields } from "../helpers/crd-schema";
import { validateKubernetesObject } from "../helpers/kubernetes-schema";
import type { KubernetesObject, RenderedPlatform } from "./render";

// The API server matches `pattern` with Go's RE2 (CRDs use its syntax, e.g. `(?i)`), so patterns run on
// re2js, a port of RE2. Kubernetes formats (int-or-string, int64, …) and x-kubernetes-* keywords are not
// JSON Schema vocabulary.
const re2 = Object.assign(
    (pattern: string) => {
        const compiled = RE2JS.compile(pattern);
        // Ajv caches compiled patterns by toString().
        return { test: (value: string) => compiled.test(value), toString: () => pattern };
    },
    { code: "re2js" },
);
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: re2 } });
const compiled = new Map<string, ValidateFunction>();

/** Validators by "apiVersion kind" for every served version of every CRD in `objects`. */
function crdValidators(objects: KubernetesObject[]): Map<string, () => ValidateFunction> {
    const validators = new Map<string, () => ValidateFunction>();
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
        const spec = crd.spec as {
            group: string;
            names: { kind: string };
            versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, any> } }>;
        };
        for (const version of spec.versions.filter((v) => v.served !== false)) {
            const schema = version.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true };
            const key = `${spec.group}/${version.name} ${spec.names.kind}`;
            validators.set(key, () => {
                const text = JSON.stringify(schema);
                let validate = compiled.get(text);
                if (!validate) {
                    // apiVersion, kind and metadata are the API server's, whatever the CRD's schema declares.
                    const root = {
                        ...schema,
                        properties: {
                            ...schema.properties,
                            apiVersion: { type: "string" },
                            kind: { type: "string" },
                            metadata: { type: "object" },
                        },
                    };
                    validate = ajv.compile(strictFields(root) as object);
                    compiled.set(text, validate);
                }
                return validate;
            });
        }
    }
    return validators;
}

const label = (o: KubernetesObject) => `${o.kind}/${o.metadata.namespace ?? "-"}/${o.metadata.name}`;

/** Validates every object; returns how many were checked against which kind of schema, and the failures. */
export async function checkSchemas(platform: RenderedPlatform): Promise<{ builtIn: number; custom: number; invalid: string[] }> {
    const validators = crdValidators(platform.objects.map((o) => o.object));
    const invalid: string[] = [];
    let builtIn = 0;
    let custom = 0;
    for (const { source, object } of platform.objects) {
        const crd = validators.get(`${object.apiVersion} ${object.kind}`);
        if (crd) {
            custom++;
            const validate = crd();
            if (!validate(object)) {
                const errors = (validate.errors ?? []).map(
                    (e) =>
                        `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`,
                );
                invalid.push(`${label(object)} (${source}): ${errors.join("; ")}`);
            }
            continue;
        }
        builtIn++;
        try {
            await validateKubernetesObject(object);
        } catch (e) {
            invalid.push(`${(e as Error).message} (${source})`);
        }
    }
    return { builtIn, custom, invalid };
}
