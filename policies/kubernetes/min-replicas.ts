import * as k8s from "@pulumi/kubernetes";
import { stackPolicy } from "../lib/definitions";
import { describeObject, minimumReplicas, objectsOf, replicatedWorkloads } from "../lib/kubernetes";
import { polaris } from "../lib/sources";

export const kubernetesMinReplicas = stackPolicy<{ minReplicas: number }>(
    {
        name: "kubernetes-min-replicas",
        description: "Deployments and StatefulSets run at least `minReplicas` pods (2 in production), counting an HPA's minReplicas.",
        severity: "medium",
        framework: polaris("deploymentMissingReplicas"),
        remediationSteps: "Raise spec.replicas, or the minReplicas of the HorizontalPodAutoscaler that scales the workload.",
    },
    { minReplicas: { type: "integer", minimum: 1, default: 2, description: "Fewest replicas a workload may run (production: 2)." } },
    (args, report, config) => {
        const autoscalers = objectsOf(args.resources, k8s.autoscaling.v2.HorizontalPodAutoscaler);
        for (const { resource, workload } of replicatedWorkloads(args.resources)) {
            const { replicas, from } = minimumReplicas({ ...workload, replicas: resource.props.spec?.replicas }, autoscalers);
            if (replicas < config.minReplicas) {
                report(
                    `${describeObject(workload.kind, workload.metadata)} runs ${replicas} replica(s) (${from}); at least ${config.minReplicas} required`,
                    resource.urn,
                );
            }
        }
    },
);
