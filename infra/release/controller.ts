// The Argo Rollouts controller, from its pinned Helm chart: it runs the detector's canary and its
// analysis. Every value below was checked against the chart's values.yaml at the pinned version
// (argoproj/argo-helm, tag argo-rollouts-2.41.0); tests/infra/release/controller.test.ts re-checks
// each path against a key list derived from that file.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../platform/environment";
import { platformLabels } from "../platform/labels";
import { PlatformNamespace } from "../platform/namespace";
import { trafficPolicy, type PortRule } from "../platform/network";
import { argoRollouts, helmRelease } from "../platform/charts";

/** Pod labels of the controller (templates/controller/deployment.yaml: selectorLabels + controller.component). */
export const controllerPodLabels = {
    "app.kubernetes.io/name": argoRollouts.chart,
    "app.kubernetes.io/component": "rollouts-controller",
} as const;

export interface ArgoRolloutsValues {
    installCRDs: boolean;
    keepCRDs: boolean;
    controller: {
        replicas: number;
        image: { tag: string };
        resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
        pdb: { enabled: boolean; maxUnavailable?: number };
    };
    dashboard: { enabled: boolean };
    /** Off: the detector's canary shifts traffic by replica count, through no mesh or ingress. */
    providerRBAC: { enabled: boolean };
}

export function argoRolloutsValues(environment: Environment): ArgoRolloutsValues {
    const production = environment === "production";
    return {
        installCRDs: true,
        // A chart uninstall must not delete the Rollout CRD and with it the detector.
        keepCRDs: true,
        controller: {
            // Two replicas elect a leader: a drained node does not stall a release in production.
            replicas: production ? 2 : 1,
            image: { tag: argoRollouts.controllerTag },
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            pdb: production ? { enabled: true, maxUnavailable: 1 } : { enabled: false },
        },
        dashboard: { enabled: false },
        providerRBAC: { enabled: false },
    };
}

export interface RolloutControllerArgs {
    environment: Environment;
    stack: string;
    /** The controller's own namespace, e.g. argo-rollouts. */
    namespace: string;
    monitoringNamespace: pulumi.Input<string>;
}

/** Argo Rollouts in its own restricted namespace, allowed to reach the Kubernetes API and Prometheus only. */
export class RolloutController extends pulumi.ComponentResource {
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: RolloutControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:release:RolloutController", name, {}, opts);
        const child = { parent: this };
        const namespace = new PlatformNamespace(name, { name: args.namespace, stack: args.stack, component: "release" }, child);
        const kubernetesApi: PortRule[] = [{ port: 443 }, { port: 6443 }];
        const prometheus = { namespace: args.monitoringNamespace, pods: { "app.kubernetes.io/name": "prometheus" } };

        const policies = [
            trafficPolicy(
                "argo-rollouts-controller",
                {
                    namespace: namespace.name,
                    labels: platformLabels("argo-rollouts", "release", args.stack),
                    podSelector: controllerPodLabels,
                    // The analysis queries Prometheus; everything else is the API server.
                    egress: [{ port: 9090, peers: [prometheus] }, ...kubernetesApi],
                },
                { ...child, dependsOn: [namespace] },
            ),
            // Additive to the monitoring namespace's own Prometheus policy: the analysis may query it.
            trafficPolicy(
                "prometheus-from-argo-rollouts",
                {
                    namespace: args.monitoringNamespace,
                    labels: platformLabels("prometheus", "release", args.stack),
                    podSelector: prometheus.pods,
                    ingress: [{ port: 9090, peers: [{ namespace: args.namespace, pods: controllerPodLabels }] }],
                },
                child,
            ),
        ];

        this.release = helmRelease(
            name,
            argoRollouts,
            {
                namespace: namespace.name,
                values: argoRolloutsValues(args.environment),
            },
            { ...child, dependsOn: [namespace, ...policies] },
        );
        this.registerOutputs({ release: this.release.status });
    }
}
