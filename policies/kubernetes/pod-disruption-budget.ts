import * as k8s from "@pulumi/kubernetes";
import { stackPolicy } from "../lib/definitions";
import { describeObject, minimumReplicas, namespaceOf, objectsOf, replicatedWorkloads, selectorMatches } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";

/** Pods the budget lets voluntary disruptions take down when `replicas` run; rounding as the disruption controller does. */
export function disruptionsAllowed(
    spec: { minAvailable?: number | string; maxUnavailable?: number | string },
    replicas: number,
): number | undefined {
    const scaled = (value: number | string) =>
        typeof value === "number" ? value : Math.ceil((Number.parseInt(value, 10) * replicas) / 100);
    if (spec.maxUnavailable !== undefined) return Math.min(scaled(spec.maxUnavailable), replicas);
    if (spec.minAvailable !== undefined) return Math.max(replicas - scaled(spec.minAvailable), 0);
    return undefined;
}

export const kubernetesPodDisruptionBudget = stackPolicy<{ required: boolean }>(
    {
        name: "kubernetes-pod-disruption-budget",
        description:
            "Replicated Deployments and StatefulSets have a PodDisruptionBudget (production), and every budget allows at least one disruption at the workload's minimum (HPA minReplicas).",
        severity: "medium",
        framework: kubeLinter("pdb-max-unavailable", "pdb-min-available"),
        remediationSteps: "Add a PodDisruptionBudget with maxUnavailable: 1 selecting the workload's pods.",
    },
    {
        required: {
            type: "boolean",
            default: true,
            description: "Require a budget for every workload running 2 or more replicas (production).",
        },
    },
    (args, report, config) => {
        const autoscalers = objectsOf(args.resources, k8s.autoscaling.v2.HorizontalPodAutoscaler);
        const budgets = objectsOf(args.resources, k8s.policy.v1.PodDisruptionBudget);
        for (const { resource, workload } of replicatedWorkloads(args.resources)) {
            const what = describeObject(workload.kind, workload.metadata);
            const { replicas, from } = minimumReplicas({ ...workload, replicas: resource.props.spec?.replicas }, autoscalers);
            const matching = budgets.filter(
                (b) =>
                    namespaceOf(b.props.metadata) === namespaceOf(workload.metadata) &&
                    selectorMatches(b.props.spec?.selector, workload.podMetadata.labels as Record<string, string>),
            );
            if (matching.length === 0 && config.required && replicas >= 2) {
                report(`${what} runs ${replicas} replicas but no PodDisruptionBudget selects its pods`, resource.urn);
            }
            for (const budget of matching) {
                const allowed = disruptionsAllowed(budget.props.spec ?? {}, replicas);
                const name = describeObject("PodDisruptionBudget", budget.props.metadata);
                if (allowed === undefined) report(`${name} sets neither minAvailable nor maxUnavailable`, budget.urn);
                else if (allowed < 1) {
                    report(
                        `${name} allows no disruption of ${what} at ${replicas} replica(s) (${from}): node drains would block`,
                        budget.urn,
                    );
                }
            }
        }
    },
);
