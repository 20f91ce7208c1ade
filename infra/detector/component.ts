import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DetectorConfig } from "./config";
import type { Environment } from "../platform/environment";
import type { DetectorMetrics } from "../monitoring/config";
import { analysisTemplate, canaryHashArg, canaryMetrics } from "../release/analysis";
import { canaryMaxSurge, type CanaryConfig } from "../release/config";
import { platformLabels, selectorLabels } from "../platform/labels";
import { prometheusPeer, trafficPolicy, type Peer } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "../platform/security";
import { disruptionBudget, healthProbes } from "../platform/workload";

export const detectorPorts = { http: 8000, metrics: 9090 } as const;

export interface DetectorArgs {
    config: DetectorConfig;
    environment: Environment;
    stack: string;
    namespace: pulumi.Input<string>;
    monitoringNamespace: pulumi.Input<string>;
    /** The image to run: the config's reference, or the digest of an image this stack built. */
    image: pulumi.Input<string>;
    /** The MLflow tracking server the detector loads its model from. */
    mlflowUrl: pulumi.Input<string>;
    /** Pods, besides Prometheus, that may call the API from inside the cluster; unset opens port 8000 to all. */
    clients?: Peer[];
    /** How a new version is released: canary steps, and how long the analysis watches it. */
    release: {
        canary: CanaryConfig;
        hotfix: boolean;
        /** The Prometheus the analysis queries, and the metric names it queries. */
        prometheusUrl: pulumi.Input<string>;
        metrics: DetectorMetrics;
    };
}

/** The canary steps: each traffic share held for an equal part of the watch, then 100 %. */
export function canarySteps(canary: CanaryConfig, hotfix: boolean): Array<Record<string, unknown>> {
    const minutes = hotfix ? canary.hotfixMinutes : canary.normalMinutes;
    const holdSeconds = Math.round((minutes * 60) / canary.steps.length);
    return canary.steps.flatMap((weight) => [{ setWeight: weight }, { pause: { duration: `${holdSeconds}s` } }]);
}

/**
 * The pneumonia detector API: `/health` and `/predict` on 8000, Prometheus metrics on 9090,
 * scaled on the manual's CPU trigger and never taken below serving capacity by a rollout. A new
 * version is an Argo Rollouts canary: traffic moves in steps (by replica share: the Service selects
 * stable and canary pods alike) while a background analysis on the canary's own pods checks the
 * manual's thresholds; a failed measurement aborts the rollout and scales the canary away.
 */
export class Detector extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;
    /** The newest version's pods only (the canary while a release runs, every pod after): what the load test calls. */
    public readonly canaryUrl: pulumi.Output<string>;
    public readonly image: pulumi.Output<string>;
    public readonly rollout: k8s.apiextensions.CustomResource;
    /** The pod template: a change to it is a new release (the smoke check re-runs on it). */
    public readonly podTemplate: pulumi.Output<unknown>;

    constructor(name: string, args: DetectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:platform:Detector", name, {}, opts);
        const { config, stack } = args;
        if (config.maxReplicas < config.replicas) {
            throw new Error(`${name}: maxReplicas (${config.maxReplicas}) is below replicas (${config.replicas})`);
        }
        const labels = platformLabels("detector", "inference-api", stack);
        const selector = selectorLabels("detector", stack);
        const metadata = { name: "detector", namespace: args.namespace, labels };
        const scratch = scratchVolumes({ tmp: "/tmp" });

        const serviceAccount = new k8s.core.v1.ServiceAccount(name, { metadata, automountServiceAccountToken: false }, { parent: this });

        const analysisName = "detector-canary";
        const canaryServiceName = "detector-canary";
        // Queries and thresholds from one definition (infra/release/analysis.ts), the manual's numbers.
        const analysisSpec = pulumi.all([args.namespace, args.release.prometheusUrl]).apply(
            ([namespace, prometheusUrl]) =>
                analysisTemplate({
                    name: analysisName,
                    namespace,
                    labels,
                    rollout: metadata.name,
                    metrics: canaryMetrics(args.release.metrics, namespace),
                    prometheusUrl,
                }).spec,
        );
        const analysis = new k8s.apiextensions.CustomResource(
            `${name}-canary-analysis`,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "AnalysisTemplate",
                metadata: { ...metadata, name: analysisName },
                spec: analysisSpec,
            },
            { parent: this },
        );

        const template = {
            metadata: { labels },
            spec: {
                serviceAccountName: serviceAccount.metadata.name,
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurityContext(),
                ...(args.environment === "production"
                    ? {
                          topologySpreadConstraints: [
                              {
                                  maxSkew: 1,
                                  topologyKey: "topology.kubernetes.io/zone",
                                  whenUnsatisfiable: "DoNotSchedule",
                                  labelSelector: { matchLabels: selector },
                              },
                              {
                                  maxSkew: 1,
                                  topologyKey: "kubernetes.io/hostname",
                                  whenUnsatisfiable: "ScheduleAnyway",
                                  labelSelector: { matchLabels: selector },
                              },
                          ],
                      }
                    : {}),
                containers: [
                    {
                        name: "detector",
                        image: args.image,
                        ports: [
                            { name: "http", containerPort: detectorPorts.http },
                            { name: "metrics", containerPort: detectorPorts.metrics },
                        ],
                        env: [
                            { name: "PORT", value: String(detectorPorts.http) },
                            { name: "METRICS_PORT", value: String(detectorPorts.metrics) },
                            { name: "MLFLOW_TRACKING_URI", value: args.mlflowUrl },
                        ],
                        resources: config.resources,
                        // Loading the model can take minutes: five are allowed before liveness applies.
                        ...healthProbes({ httpGet: { path: "/health", port: "http" } }, 300),
                        securityContext: restrictedContainerSecurityContext(),
                        volumeMounts: scratch.volumeMounts,
                    },
                ],
                volumes: scratch.volumes,
            },
        };
        const serviceSpec = {
            type: "ClusterIP",
            selector,
            ports: [
                { name: "http", port: detectorPorts.http, targetPort: "http" },
                { name: "metrics", port: detectorPorts.metrics, targetPort: "metrics" },
            ],
        };
        const service = new k8s.core.v1.Service(name, { metadata, spec: serviceSpec }, { parent: this });
        // Not scraped (ServiceMonitor selects `detector` by its name label): its pods are scraped through `detector`.
        const canaryService = new k8s.core.v1.Service(
            `${name}-canary`,
            {
                metadata: { ...metadata, name: canaryServiceName, labels: { ...labels, "app.kubernetes.io/name": canaryServiceName } },
                spec: serviceSpec,
            },
            { parent: this },
        );

        this.rollout = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                metadata,
                spec: {
                    // No `replicas`: the HPA owns the count, and a fixed value here would fight it on every update.
                    selector: { matchLabels: selector },
                    revisionHistoryLimit: 10,
                    template,
                    strategy: {
                        canary: {
                            // Never below serving capacity: canary pods are added before stable ones go.
                            maxUnavailable: 0,
                            maxSurge: canaryMaxSurge,
                            // Argo points this Service's selector at the newest ReplicaSet; `detector` keeps selecting both.
                            canaryService: canaryServiceName,
                            analysis: {
                                templates: [{ templateName: analysisName }],
                                args: [{ name: canaryHashArg, valueFrom: { podTemplateHashValue: "Latest" } }],
                                // From the first step, while canary pods serve.
                                startingStep: 1,
                            },
                            steps: canarySteps(args.release.canary, args.release.hotfix),
                        },
                    },
                },
            },
            { parent: this, dependsOn: [analysis, canaryService] },
        );
        this.podTemplate = pulumi.output(template);

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            name,
            {
                metadata,
                spec: {
                    scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: this.rollout.metadata.name },
                    minReplicas: config.replicas,
                    maxReplicas: config.maxReplicas,
                    metrics: [
                        {
                            type: "Resource",
                            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: config.cpuTargetPercent } },
                        },
                    ],
                },
            },
            { parent: this },
        );

        disruptionBudget(name, metadata, selector, this);

        trafficPolicy(
            "detector",
            {
                namespace: args.namespace,
                labels,
                podSelector: selector,
                ingress: [
                    { port: detectorPorts.http, peers: args.clients },
                    { port: detectorPorts.metrics, peers: [prometheusPeer(args.monitoringNamespace)] },
                ],
                egress: [{ port: 5000, peers: [{ pods: selectorLabels("mlflow", stack) }] }],
            },
            { parent: this },
        );

        this.serviceName = service.metadata.name;
        this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${detectorPorts.http}`;
        this.canaryUrl = pulumi.interpolate`http://${canaryService.metadata.name}.${args.namespace}.svc.cluster.local:${detectorPorts.http}`;
        this.image = pulumi.output(args.image);
        this.registerOutputs({ serviceName: this.serviceName, url: this.url, canaryUrl: this.canaryUrl, image: this.image });
    }
}
