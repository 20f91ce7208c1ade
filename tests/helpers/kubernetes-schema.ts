// Validates rendered Kubernetes objects against the OpenAPI schemas shipped by kubernetes-models
// (and @kubernetes-models/prometheus-operator for the monitoring CRs): what an API server's
// schema validation would reject, caught without a cluster.
import { crdSchemaGroups, validateCustomResource } from "./crd-schema";
import { validateVerticalPodAutoscaler, vpaApiVersion } from "../infra/capacity/vpa-schema";

import { crdValidators } from "./crd-schema";

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Validatable;

function modulePath(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
    if (group === "argoproj.io") return `@kubernetes-models/argo-rollouts/${group}/${version}/${kind}`;
    return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** Throws an Error naming the object and the schema violations; resolves when the object is valid. */
export async function validateKubernetesObject(object: Record<string, unknown>): Promise<void> {
    const { apiVersion, kind } = object as { apiVersion?: string; kind?: string };
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    const label = `${kind}/${metadata.namespace ?? "-"}/${metadata.name}`;
    if (!apiVersion || !kind) throw new Error(`${label}: apiVersion and kind are required`);
    // The edge's Gateway API and Envoy Gateway kinds: against the CRDs of the pinned gateway-helm chart.
    if (crdSchemaGroups.includes(apiVersion.split("/")[0])) return validateCustomResource(object);
    if (apiVersion === vpaApiVersion) return validateVerticalPodAutoscaler(object);
    const crd = crdValidators[`${apiVersion} ${kind}`];
    if (crd) {
        if (!crd(object)) throw new Error(`${label}: ${crd.errors!.map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ")}`);
        return;
    }
    let Model: ModelClass;
    try {
        const module = (await import(modulePath(apiVersion, kind))) as Record<string, ModelClass>;
        Model = module[kind];
    } catch {
        throw new Error(`${label}: no schema for ${apiVersion} ${kind}`);
    }
    try {
        new Model(object).validate();
    } catch (e) {
        throw new Error(`${label}: ${(e as Error).message}`, { cause: e });
    }
}
