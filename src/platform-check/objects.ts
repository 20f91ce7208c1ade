// The Kubernetes objects of a stack as pure data, for the checks that look at them together
// (flows, routes). Until every Helm release is rendered too, these are the project's own objects
// from the offline plan; a release's objects join the list once rendered.
import type { Plan } from "../plan/run";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
    spec?: any;
    [key: string]: unknown;
}

/** Every Kubernetes object a plan declares (Helm releases are not expanded here). */
export function planObjects(plan: Plan): KubernetesObject[] {
    return plan.resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release")
        // Inputs, not props: a Secret's values stay "[secret]".
        .map((r) => r.inputs as unknown as KubernetesObject)
        .filter((o) => typeof o.apiVersion === "string" && typeof o.kind === "string" && typeof o.metadata?.name === "string");
}

/** `namespace/name` of an object (cluster-scoped: its name). */
export function objectName(o: KubernetesObject): string {
    return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
