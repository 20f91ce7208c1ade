import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../platform/cluster";
import { SecureBucket } from "../platform/bucket";
import { ServiceAccountRole } from "../platform/irsa";
import { platformLabels } from "../platform/labels";
import { awsApis, prometheusPeer, trafficPolicy, type Peer, type PortRule } from "../platform/network";
import { podSecurityExemption } from "../monitoring/component";
import type { MonitoringSettings } from "../monitoring/config";
import { dashboardLabel } from "../monitoring/values";
import { agentConfig } from "./alloy";
import type { LoggingConfig } from "./config";
import { logsDashboard } from "./dashboard";
import { lokiRulesYaml } from "./rules";
import {
    agentNamespaceSuffix,
    agentPodLabels,
    agentPort,
    alloyValues,
    lokiPodLabels,
    lokiPorts,
    lokiPushUrl,
    lokiQueryService,
    lokiRuleLabel,
    type LokiStorage,
    lokiValues,
} from "./values";
import { alloyChart, helmRelease, lokiChart } from "../platform/charts";

/** Where Loki keeps chunks and index: its own S3 bucket (AWS), or a bucket of the in-cluster store. */
export type LogStore =
    | { kind: "s3"; cluster: ClusterConfig; region: string; tags: Record<string, string>; protect: boolean }
    | {
          kind: "in-cluster";
          /** S3 endpoint URL of the in-cluster store. */
          endpoint: pulumi.Input<string>;
          bucket: string;
          accessKeyId: string;
          secretAccessKey: pulumi.Input<string>;
          /** The store's pods, in the app namespace: a policy there admits Loki on `port`. */
          server: { namespace: string; pods: Record<string, string>; port: number };
      };

export interface LoggingArgs {
    config: LoggingConfig;
    environment: string;
    /** For runbook links of the log-based alerts. */
    monitoring: Pick<MonitoringSettings, "runbookBaseUrl">;
    stack: string;
    /** The monitoring namespace, where Loki runs beside Grafana and Alertmanager. */
    namespace: string;
    /** Namespaces whose containers and events the agent collects. */
    collectedNamespaces: string[];
    /** Alertmanager's URL inside the cluster, for Loki's ruler. */
    alertmanagerUrl: pulumi.Input<string>;
    /** Prometheus' remote-write endpoint, for the ruler's recording rules. */
    prometheusRemoteWriteUrl: pulumi.Input<string>;
    store: LogStore;
}

/** The Loki service account (chart default name: the release's fullname). */
const lokiServiceAccount = lokiChart.releaseName;
/** Prometheus' web port, where its remote-write receiver listens (/api/v1/write). */
const prometheusPort = 9090;
const kubernetesApi: PortRule[] = [{ port: 443 }, { port: 6443 }];

/**
 * The log pipeline: a Grafana Alloy DaemonSet tails every container's log and the Kubernetes
 * events of the platform's namespaces, redacts secrets and ships to Loki; Loki keeps each class
 * of log for its retention on object storage, serves Grafana, and alerts through Alertmanager.
 */
export class Logging extends pulumi.ComponentResource {
    /** Loki's query URL inside the cluster (Grafana's data source, the health check). */
    public readonly queryUrl: pulumi.Output<string>;
    /** AWS stacks: the bucket holding the logs. */
    public readonly bucket?: pulumi.Output<string>;
    public readonly agentNamespace: pulumi.Output<string>;

    constructor(name: string, args: LoggingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:logging:Logging", name, {}, opts);
        const { config, stack } = args;
        if (args.collectedNamespaces.length === 0) throw new Error(`${name}: collectedNamespaces must name at least one namespace`);
        const child = { parent: this };
        const labels = (component: string) => platformLabels(component, "logging", stack);
        const ns = args.namespace;

        // The agent alone mounts host paths, so it runs in a namespace of its own that admits them.
        const agentNamespace = new k8s.core.v1.Namespace(
            `${name}-agent`,
            {
                metadata: {
                    name: `${ns}${agentNamespaceSuffix}`,
                    labels: {
                        ...labels("logs-agent"),
                        "pod-security.kubernetes.io/enforce": "privileged",
                        "pod-security.kubernetes.io/warn": "privileged",
                    },
                    annotations: {
                        [podSecurityExemption]:
                            "the log agent reads the kubelet's container logs from the host path /var/log/pods (read-only)",
                    },
                },
            },
            child,
        );
        this.agentNamespace = agentNamespace.metadata.name;
        const lokiPeer: Peer = { namespace: ns, pods: lokiPodLabels };
        const agentPeer: Peer = { namespace: this.agentNamespace, pods: agentPodLabels };

        new k8s.networking.v1.NetworkPolicy(
            `${name}-agent-default-deny`,
            {
                metadata: { name: "default-deny", namespace: this.agentNamespace, labels: labels("logs-agent") },
                spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            },
            child,
        );
        trafficPolicy(
            "logs-agent",
            {
                namespace: this.agentNamespace,
                labels: labels("logs-agent"),
                podSelector: agentPodLabels,
                // Prometheus scrapes the agents; the agents gossip with each other (clustering) on the same port.
                ingress: [{ port: agentPort, peers: [prometheusPeer(ns), { pods: agentPodLabels }] }],
                egress: [
                    { port: lokiPorts.http, peers: [lokiPeer] },
                    { port: agentPort, peers: [{ pods: agentPodLabels }] },
                    { port: 53, protocol: "UDP", peers: [{ namespace: "kube-system", pods: { "k8s-app": "kube-dns" } }] },
                    { port: 53, peers: [{ namespace: "kube-system", pods: { "k8s-app": "kube-dns" } }] },
                    ...kubernetesApi,
                ],
            },
            child,
        );

        // The store.
        let storage: LokiStorage;
        let serviceAccountAnnotations: pulumi.Input<Record<string, string>> = {};
        let storeEgress: PortRule;
        const ready: pulumi.Resource[] = [];
        if (args.store.kind === "s3") {
            const store = args.store;
            const bucket = new SecureBucket("logs", { purpose: "loki-logs", tags: store.tags, protect: store.protect }, child);
            // A floor under the compactor's retention: never before the longest class has expired.
            ready.push(
                ...bucket.ready,
                new aws.s3.BucketLifecycleConfiguration(
                    "logs",
                    {
                        bucket: bucket.bucket,
                        rules: [
                            {
                                id: "expire-after-longest-retention-class",
                                status: "Enabled",
                                filter: { prefix: "" },
                                expiration: { days: config.bucketExpirationDays },
                                noncurrentVersionExpiration: { noncurrentDays: 1 },
                                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                            },
                        ],
                    },
                    { parent: this, dependsOn: bucket.ready },
                ),
            );
            const role = new ServiceAccountRole(
                "loki",
                {
                    cluster: store.cluster,
                    namespace: ns,
                    serviceAccount: lokiServiceAccount,
                    statements: [
                        { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket.arn] },
                        {
                            Effect: "Allow",
                            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                            Resource: [pulumi.interpolate`${bucket.arn}/*`],
                        },
                        { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [bucket.kmsKeyArn] },
                    ],
                    tags: store.tags,
                },
                child,
            );
            storage = { bucket: bucket.bucket, region: store.region };
            serviceAccountAnnotations = role.annotations;
            storeEgress = awsApis;
            this.bucket = bucket.bucket;
        } else {
            const store = args.store;
            const credentials = new k8s.core.v1.Secret(
                `${name}-object-store`,
                {
                    metadata: { name: "loki-object-store", namespace: ns, labels: labels("loki") },
                    type: "Opaque",
                    stringData: { AWS_ACCESS_KEY_ID: store.accessKeyId, AWS_SECRET_ACCESS_KEY: pulumi.secret(store.secretAccessKey) },
                },
                child,
            );
            ready.push(credentials);
            storage = { bucket: store.bucket, region: "us-east-1", endpoint: store.endpoint, credentialsSecret: credentials.metadata.name };
            storeEgress = { port: store.server.port, peers: [{ namespace: store.server.namespace, pods: store.server.pods }] };
            trafficPolicy(
                "object-store-from-loki",
                {
                    namespace: store.server.namespace,
                    labels: labels("loki"),
                    podSelector: store.server.pods,
                    ingress: [{ port: store.server.port, peers: [{ namespace: ns, pods: lokiPodLabels }] }],
                },
                child,
            );
        }

        const lokiRelease = helmRelease(
            `${name}-loki`,
            lokiChart,
            {
                namespace: ns,
                timeout: 900,
                values: lokiValues({
                    config,
                    storage,
                    alertmanagerUrl: args.alertmanagerUrl,
                    prometheusRemoteWriteUrl: args.prometheusRemoteWriteUrl,
                    externalLabels: { stack, environment: args.environment },
                    serviceAccountAnnotations,
                }),
            },
            { parent: this, dependsOn: ready },
        );

        // One stable name for queries whatever the mode: Grafana's data source and the health check use it.
        const queryTarget = config.mode === "monolithic" ? "single-binary" : "query-frontend";
        new k8s.core.v1.Service(
            `${name}-query`,
            {
                metadata: { name: lokiQueryService, namespace: ns, labels: labels("loki") },
                spec: {
                    selector: { ...lokiPodLabels, "app.kubernetes.io/component": queryTarget },
                    ports: [{ name: "http", port: lokiPorts.http, targetPort: lokiPorts.http }],
                },
            },
            child,
        );
        this.queryUrl = pulumi.output(`http://${lokiQueryService}.${ns}.svc.cluster.local:${lokiPorts.http}`);

        helmRelease(
            `${name}-agent`,
            alloyChart,
            {
                namespace: this.agentNamespace,
                timeout: 600,
                values: alloyValues({
                    configuration: agentConfig({
                        config,
                        stack,
                        namespaces: args.collectedNamespaces,
                        pushUrl: lokiPushUrl(config.mode, ns),
                    }),
                }),
            },
            { parent: this, dependsOn: [agentNamespace, lokiRelease] },
        );

        new k8s.core.v1.ConfigMap(
            `${name}-rules`,
            {
                metadata: { name: "loki-rules-pneumonia", namespace: ns, labels: { ...labels("loki"), ...lokiRuleLabel } },
                data: { "pneumonia.yaml": lokiRulesYaml(args.monitoring) },
            },
            child,
        );
        const dashboard = logsDashboard();
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: `grafana-dashboard-${dashboard.uid}`,
                    namespace: ns,
                    labels: { ...labels("grafana"), ...dashboardLabel },
                },
                data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard.json) },
            },
            child,
        );

        // Who may talk to Loki: the agent (push), Grafana (queries), Prometheus (metrics), Loki itself.
        const grafana: Peer = { pods: { "app.kubernetes.io/name": "grafana" } };
        const prometheus = prometheusPeer(ns);
        const loki: Peer = { pods: lokiPodLabels };
        trafficPolicy(
            "loki",
            {
                namespace: ns,
                labels: labels("loki"),
                podSelector: lokiPodLabels,
                ingress: [
                    { port: lokiPorts.http, peers: [agentPeer, grafana, prometheus, loki] },
                    { port: lokiPorts.grpc, peers: [loki] },
                    { port: lokiPorts.memberlist, peers: [loki] },
                ],
                egress: [
                    storeEgress,
                    { port: 9093, peers: [{ pods: { "app.kubernetes.io/name": "alertmanager" } }] },
                    { port: prometheusPort, peers: [prometheus] },
                    { port: lokiPorts.http, peers: [loki] },
                    { port: lokiPorts.grpc, peers: [loki] },
                    { port: lokiPorts.memberlist, peers: [loki] },
                    // The rules sidecar watches ConfigMaps.
                    ...kubernetesApi,
                ],
            },
            child,
        );
        // Grafana and Prometheus have their own policies (infra/monitoring); these add Loki and the agent to them.
        // Loki's ruler sends its alerts to Alertmanager, whose own policy admits only Prometheus and Grafana.
        trafficPolicy(
            "alertmanager-from-loki",
            {
                namespace: ns,
                labels: labels("alertmanager"),
                podSelector: { "app.kubernetes.io/name": "alertmanager" },
                ingress: [{ port: 9093, peers: [loki] }],
            },
            child,
        );
        // The ruler's recording rules reach Prometheus' remote-write receiver, whose own policy admits only Grafana and Prometheus.
        trafficPolicy(
            "prometheus-from-loki",
            {
                namespace: ns,
                labels: labels("prometheus"),
                podSelector: prometheus.pods!,
                ingress: [{ port: prometheusPort, peers: [loki] }],
            },
            child,
        );
        trafficPolicy(
            "grafana-to-loki",
            { namespace: ns, labels: labels("grafana"), podSelector: grafana.pods!, egress: [{ port: lokiPorts.http, peers: [loki] }] },
            child,
        );
        trafficPolicy(
            "prometheus-to-logging",
            {
                namespace: ns,
                labels: labels("prometheus"),
                podSelector: prometheus.pods!,
                egress: [
                    { port: lokiPorts.http, peers: [loki] },
                    { port: agentPort, peers: [agentPeer] },
                ],
            },
            child,
        );

        this.registerOutputs({ queryUrl: this.queryUrl, bucket: this.bucket, agentNamespace: this.agentNamespace });
    }
}
