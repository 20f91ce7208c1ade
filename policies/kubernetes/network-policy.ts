import * as k8s from "@pulumi/kubernetes";
import { stackPolicy } from "../lib/definitions";
import { describeObject, namespaceOf, objectsOf, selectorMatches, workloadOf } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";

export const kubernetesNetworkPolicy = stackPolicy(
    {
        name: "kubernetes-network-policy",
        description: "Every namespace of the stack has a NetworkPolicy, and every workload's pods are selected by one (no unisolated pod).",
        severity: "high",
        framework: kubeLinter("non-isolated-pod"),
        remediationSteps: "Give each namespace a default-deny NetworkPolicy (podSelector: {}) and each workload explicit allow rules.",
    },
    {},
    (args, report) => {
        const policies = objectsOf(args.resources, k8s.networking.v1.NetworkPolicy);
        const policiesIn = (namespace: string) => policies.filter((p) => namespaceOf(p.props.metadata) === namespace);
        const namespaces = new Map<string, string>();
        for (const ns of objectsOf(args.resources, k8s.core.v1.Namespace)) {
            if (ns.props.metadata?.name) namespaces.set(ns.props.metadata.name, ns.urn);
        }
        for (const resource of args.resources) {
            const workload = workloadOf(resource);
            if (!workload) continue;
            const namespace = namespaceOf(workload.metadata);
            if (!namespaces.has(namespace)) namespaces.set(namespace, resource.urn);
            const isolating = policiesIn(namespace).some((p) =>
                selectorMatches(p.props.spec?.podSelector, workload.podMetadata.labels as Record<string, string>),
            );
            if (!isolating) report(`${describeObject(workload.kind, workload.metadata)}: no NetworkPolicy selects its pods`, resource.urn);
        }
        for (const [namespace, urn] of namespaces) {
            if (policiesIn(namespace).length === 0) report(`namespace ${namespace} has no NetworkPolicy`, urn);
        }
    },
);
