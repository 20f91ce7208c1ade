import { resourcePolicy } from "../lib/definitions";
import { internalServiceAnnotations, publicEntryOf } from "../lib/public-entry";
import { manual } from "../lib/sources";

export const kubernetesNoPublicLoadBalancer = resourcePolicy<{ internalAnnotations: Record<string, string>; sanctionedEdges: string[] }>(
    {
        name: "kubernetes-no-public-load-balancer",
        description:
            "Only the sanctioned edge (the front door's Ingress) may create an internet-facing load balancer; every LoadBalancer Service is internal and every ALB Ingress internal-scheme.",
        severity: "high",
        framework: manual("Security Review: review firewall rules"),
        remediationSteps:
            'Reach the detector through the edge (infra/edge); use a ClusterIP Service, or annotate a LoadBalancer Service with service.beta.kubernetes.io/aws-load-balancer-scheme: "internal".',
    },
    {
        internalAnnotations: {
            type: "object",
            additionalProperties: { type: "string" },
            default: internalServiceAnnotations,
            description: "Annotation and value pairs, any one of which marks a load balancer Service internal.",
        },
        sanctionedEdges: {
            type: "array",
            items: { type: "string", pattern: "^[a-z0-9-]+/[a-z0-9.-]+$" },
            default: ["edge/edge"],
            description: "namespace/name of the objects allowed to be internet-facing: the edge's Ingress (infra/edge).",
        },
    },
    (args, report, config) => {
        const entry = publicEntryOf(args, config.internalAnnotations);
        if (!entry || config.sanctionedEdges.includes(entry.id)) return;
        report(
            entry.kind === "Service"
                ? `${entry.description} is a LoadBalancer without an internal annotation: it would be reachable from the internet`
                : `${entry.description} is an internet-facing load balancer, but only the sanctioned edge (${config.sanctionedEdges.join(", ")}) may be`,
        );
    },
);
