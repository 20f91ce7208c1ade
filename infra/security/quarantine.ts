// Isolation without destruction (the manual's Security Incident Escalation: "immediate isolation of
// affected systems"). Declared ahead of any incident, so `npm run incident -- isolate` only relabels
// a pod: the quarantine label selects it into a NetworkPolicy that denies all egress and admits
// ingress only from the forensics namespace. NetworkPolicies are additive (a pod may do what any
// policy selecting it allows: https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation),
// so isolation also strips the pod's other labels (no workload policy, Service or owner selects it
// any more), and the namespace's DNS allowance excludes quarantined pods (infra/components/namespace.ts).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels, quarantineLabel } from "../platform/labels";
import { PlatformNamespace } from "../platform/namespace";

export { quarantineLabel };

/** Annotations `incident isolate` writes, so `incident release` can put the pod back as it was. */
export const quarantineAnnotations = {
    labels: "pneumonia.io/quarantined-labels",
    node: "pneumonia.io/quarantine-cordoned-node",
    at: "pneumonia.io/quarantined-at",
} as const;
/** The pre-declared policy's name in each namespace a pod can be isolated in. */
export const quarantinePolicyName = "quarantine";

/** The quarantine NetworkPolicy's spec: no egress at all, ingress only from `forensicsNamespace`. */
export function quarantinePolicySpec(forensicsNamespace: string) {
    return {
        podSelector: { matchExpressions: [{ key: quarantineLabel, operator: "Exists" }] },
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": forensicsNamespace } } }] }],
        egress: [],
    };
}

/**
 * What `npm run incident` needs and nothing more: read a pod, its events, owners, node and the
 * quarantine policy and its volumes; relabel and annotate the pod; cordon its node; port-forward to Loki.
 * `kubectl auth can-i` needs no grant (SelfSubjectAccessReview is every user's, system:basic-user).
 */
export const responderRules = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch"] },
    { apiGroups: [""], resources: ["pods/portforward"], verbs: ["create"] },
    { apiGroups: [""], resources: ["events"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] },
    { apiGroups: [""], resources: ["persistentvolumeclaims", "persistentvolumes"], verbs: ["get"] },
    { apiGroups: ["apps"], resources: ["replicasets", "deployments", "statefulsets"], verbs: ["get"] },
    { apiGroups: ["argoproj.io"], resources: ["rollouts"], verbs: ["get"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get"] },
];

export interface QuarantineArgs {
    stack: string;
    /** Groups bound to the incident-responder ClusterRole. */
    responderGroups: string[];
    /** Namespaces whose pods `incident isolate` may quarantine. */
    namespaces: pulumi.Input<string>[];
    forensicsNamespace: string;
}

export class Quarantine extends pulumi.ComponentResource {
    public readonly forensicsNamespace: pulumi.Output<string>;

    constructor(name: string, args: QuarantineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:security:Quarantine", name, {}, opts);
        // Default-deny like every platform namespace: forensic tools get their own allowances when run.
        const forensics = new PlatformNamespace(
            `${name}-forensics`,
            { name: args.forensicsNamespace, stack: args.stack, component: "forensics" },
            { parent: this },
        );
        const labels = platformLabels(quarantinePolicyName, "security", args.stack);
        args.namespaces.forEach((namespace, i) => {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${i}`,
                { metadata: { name: quarantinePolicyName, namespace, labels }, spec: quarantinePolicySpec(args.forensicsNamespace) },
                { parent: this },
            );
        });
        const role = new k8s.rbac.v1.ClusterRole(
            `${name}-responder`,
            { metadata: { name: "incident-responder", labels }, rules: responderRules },
            { parent: this },
        );
        if (args.responderGroups.length > 0) {
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-responder`,
                {
                    metadata: { name: "incident-responder", labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                    subjects: args.responderGroups.map((group) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group })),
                },
                { parent: this },
            );
        }
        this.forensicsNamespace = forensics.name;
        this.registerOutputs({ forensicsNamespace: this.forensicsNamespace });
    }
}
