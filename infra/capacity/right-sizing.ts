// Right-sizing: the Kubernetes Vertical Pod Autoscaler's recommender only (no updater, no admission
// controller), and one VerticalPodAutoscaler per sized workload with updateMode "Off": the recommender
// writes recommendations into each object's status and never changes a pod. The detector's replica
// count stays the HPA's; requests change only through the stack config, after the monthly review.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { backupJobNames } from "../backups/jobs";
import { platformLabels } from "../platform/labels";
import { trafficPolicy } from "../platform/network";
import { helmRelease, vpaChart } from "../platform/charts";

export function vpaValues(): Record<string, unknown> {
    const image = { tag: vpaChart.appVersion, pullPolicy: "IfNotPresent" };
    return {
        recommender: { enabled: true, image },
        // Recommendation only: nothing evicts or mutates pods.
        updater: { enabled: false },
        admissionController: { enabled: false },
        // The cluster's metrics-server (which the detector's HPA already needs) serves the recommender.
        "metrics-server": { enabled: false },
    };
}

const targetApiVersions = { Deployment: "apps/v1", Rollout: "argoproj.io/v1alpha1", CronJob: "batch/v1" } as const;

export interface SizedWorkload {
    /** apps/v1 Deployment, argoproj.io/v1alpha1 Rollout (it has the scale subresource the VPA reads) or batch/v1 CronJob. */
    kind: keyof typeof targetApiVersions;
    name: string;
    container: string;
}

/** The workloads the monthly review sizes: the detector, MLflow and the backup CronJobs. */
export const sizedWorkloads: SizedWorkload[] = [
    { kind: "Rollout", name: "detector", container: "detector" },
    { kind: "Deployment", name: "mlflow", container: "mlflow" },
    ...backupJobNames.map((job): SizedWorkload => ({ kind: "CronJob", name: `backup-${job}`, container: "backup" })),
];

export interface RightSizingArgs {
    stack: string;
    /** Where the recommender runs (the monitoring namespace). */
    namespace: pulumi.Input<string>;
    appNamespace: pulumi.Input<string>;
    workloads: SizedWorkload[];
}

export class RightSizing extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: RightSizingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:capacity:RightSizing", name, {}, opts);
        if (args.workloads.length === 0) throw new Error(`${name}: no workloads to size`);
        const child = { parent: this };
        this.release = helmRelease(
            name,
            vpaChart,
            {
                namespace: args.namespace,
                values: vpaValues(),
            },
            child,
        );
        // The namespace denies by default: the recommender talks only to the Kubernetes API
        // (pods, VPA objects, metrics.k8s.io).
        trafficPolicy(
            `${name}-recommender`,
            {
                namespace: args.namespace,
                labels: platformLabels("vpa-recommender", "monitoring", args.stack),
                podSelector: { "app.kubernetes.io/name": "vpa", "app.kubernetes.io/component": "recommender" },
                ingress: [],
                egress: [{ port: 443 }, { port: 6443 }],
            },
            child,
        );
        for (const w of args.workloads) {
            new k8s.apiextensions.CustomResource(
                `${name}-${w.name}`,
                verticalPodAutoscaler(w, args.appNamespace, platformLabels(w.name, "capacity", args.stack)),
                { parent: this, dependsOn: [this.release] },
            );
        }
        this.registerOutputs({});
    }
}

/** A VPA in recommendation-only mode ("Off") for one workload's container. */
export function verticalPodAutoscaler(w: SizedWorkload, namespace: pulumi.Input<string>, labels: Record<string, string>) {
    return {
        apiVersion: "autoscaling.k8s.io/v1",
        kind: "VerticalPodAutoscaler",
        metadata: { name: w.name, namespace, labels },
        spec: {
            targetRef: { apiVersion: targetApiVersions[w.kind], kind: w.kind, name: w.name },
            updatePolicy: { updateMode: "Off" },
            resourcePolicy: { containerPolicies: [{ containerName: w.container, controlledResources: ["cpu", "memory"] }] },
        },
    };
}
