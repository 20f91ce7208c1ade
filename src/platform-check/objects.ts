// A Kubernetes object as the platform checks read it: the project's own (offline plan) and what its
// Helm releases render (tests/platform/render.ts), as plain data.
export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        creationTimestamp?: string;
    };
    spec?: unknown;
    [key: string]: unknown;
}

/** `namespace/name` of an object (cluster-scoped: its name). */
export function objectName(o: KubernetesObject): string {
    return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
