// What makes a Kubernetes object a way in from the internet: an internet-facing load balancer,
// made by a LoadBalancer Service or an ALB Ingress (AWS Load Balancer Controller).
import * as k8s from "@pulumi/kubernetes";
import { describeObject, namespaceOf, type ObjectMeta, type Typed } from "./kubernetes";

/** The controller's annotations (docs/guide/ingress/annotations.md); an ALB is `internal` unless the scheme says otherwise. */
export const albAnnotation = (name: string) => `alb.ingress.kubernetes.io/${name}`;

export interface PublicEntry {
    kind: "Service" | "Ingress";
    metadata: ObjectMeta;
    annotations: Record<string, unknown>;
    /** "Ingress pneumonia/edge", for messages. */
    description: string;
    /** `namespace/name`, as the sanctioned-edge setting names it. */
    id: string;
}

/** Annotation and value pairs, any one of which marks a LoadBalancer Service internal. */
export const internalServiceAnnotations: Record<string, string> = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    "networking.gke.io/load-balancer-type": "Internal",
    "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
};

/** The internet-facing load balancer `resource` makes, or undefined when it makes none. */
export function publicEntryOf(
    resource: Typed & { props: { metadata?: ObjectMeta; spec?: { type?: string } } },
    internal: Record<string, string> = internalServiceAnnotations,
): PublicEntry | undefined {
    const metadata = (resource.props.metadata ?? {}) as ObjectMeta;
    const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
    const entry = (kind: PublicEntry["kind"]): PublicEntry => ({
        kind,
        metadata,
        annotations,
        description: describeObject(kind, metadata),
        id: `${namespaceOf(metadata)}/${metadata.name}`,
    });
    if (resource.isType(k8s.core.v1.Service)) {
        if (resource.props.spec?.type !== "LoadBalancer") return undefined;
        return Object.entries(internal).some(([key, value]) => annotations[key] === value) ? undefined : entry("Service");
    }
    if (resource.isType(k8s.networking.v1.Ingress)) {
        return annotations[albAnnotation("scheme")] === "internet-facing" ? entry("Ingress") : undefined;
    }
    return undefined;
}

/** An annotation that is set; a value still unknown at preview (not a string yet) counts as set. */
export function isSet(annotations: Record<string, unknown>, key: string): boolean {
    return key in annotations && annotations[key] !== "";
}
