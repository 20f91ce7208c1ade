import * as k8s from "@pulumi/kubernetes";
import { resourcePolicy } from "../lib/definitions";
import { podSecurityStandards } from "../lib/sources";

const enforceLabel = "pod-security.kubernetes.io/enforce";

export const kubernetesNamespacePodSecurity = resourcePolicy<{ level: string }>(
    {
        name: "kubernetes-namespace-pod-security",
        description: "Namespaces enforce the Pod Security Standards `restricted` profile (label pod-security.kubernetes.io/enforce).",
        severity: "high",
        framework: podSecurityStandards("restricted", "Pod Security Admission namespace labels"),
        remediationSteps: `Label the namespace ${enforceLabel}: restricted.`,
    },
    {
        level: {
            type: "string",
            enum: ["baseline", "restricted"],
            default: "restricted",
            description: "Profile every namespace must enforce.",
        },
    },
    (args, report, config) => {
        const namespace = args.asType(k8s.core.v1.Namespace);
        if (!namespace) return args.notApplicable("Policy only applies to resources of type 'kubernetes:core/v1:Namespace'");
        const labels = (namespace.metadata?.labels ?? {}) as Record<string, string>;
        if (labels[enforceLabel] !== config.level) {
            report(
                `Namespace ${namespace.metadata?.name}: ${enforceLabel} is ${labels[enforceLabel] ?? "unset"}, expected ${config.level}`,
            );
        }
    },
);
