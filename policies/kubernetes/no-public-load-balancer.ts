import * as k8s from "@pulumi/kubernetes";
import { resourcePolicy } from "../lib/definitions";
import { describeObject } from "../lib/kubernetes";
import { manual } from "../lib/sources";

export const kubernetesNoPublicLoadBalancer = resourcePolicy<{ internalAnnotations: Record<string, string> }>(
    {
        name: "kubernetes-no-public-load-balancer",
        description: "Services of type LoadBalancer are internal, marked by an internal-scheme annotation.",
        severity: "high",
        framework: manual("Security Review: review firewall rules"),
        remediationSteps:
            'Use a ClusterIP Service, or annotate the LoadBalancer Service with service.beta.kubernetes.io/aws-load-balancer-scheme: "internal".',
    },
    {
        internalAnnotations: {
            type: "object",
            additionalProperties: { type: "string" },
            default: {
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
                "networking.gke.io/load-balancer-type": "Internal",
                "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
            },
            description: "Annotation and value pairs, any one of which marks a load balancer internal.",
        },
    },
    (args, report, config) => {
        const service = args.asType(k8s.core.v1.Service);
        if (!service) return args.notApplicable("Policy only applies to resources of type 'kubernetes:core/v1:Service'");
        if (service.spec?.type !== "LoadBalancer") return;
        const annotations = (service.metadata?.annotations ?? {}) as Record<string, string>;
        const internal = Object.entries(config.internalAnnotations).some(([key, value]) => annotations[key] === value);
        if (!internal) {
            report(`${describeObject("Service", service.metadata)} is a LoadBalancer without an internal annotation: it would be reachable from the internet`);
        }
    },
);
