import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Environment } from "../platform/environment";
import type { PlatformSecrets } from "../platform/secrets";
import { databaseClientLabel, platformLabels, selectorLabels } from "../platform/labels";
import { stackScopedName } from "../platform/names";
import { prometheusPeer, trafficPolicy, type Peer, type PortRule } from "../platform/network";
import { serviceTrustPolicy } from "../platform/service-trust";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../platform/security";
import { disruptionBudget } from "../platform/workload";
import { alertmanagerYaml, missingReceivers, receiverSecretKeys, type ReceiverSecretKey, type ReceiverSecrets } from "./alertmanager";
import type { MonitoringSettings } from "./config";
import { dashboards } from "./dashboards";
import { prometheusRuleSpecs } from "./rules";
import { chartNames, dashboardLabel, kubePrometheusStackValues } from "./values";
import { helmRelease, kubePrometheusStack } from "../platform/charts";

/** Tag and multi-arch index digest, as published (the tag's digest recorded in several public manifests). */
export const images = {
    postgresExporter:
        "quay.io/prometheuscommunity/postgres-exporter:v0.20.1@sha256:ac5ec343104fae0e2d84a27bb8d69b38430a11910c5382cad85d478d2bab713e",
    pushgateway: "prom/pushgateway:v1.11.3@sha256:74fa117cef2d7e383112d25139ff1c2d2e309c35389a9e0554a47136a1482e48",
} as const;

export const ports = { detectorMetrics: 9090, mlflow: 5000, postgresExporter: 9187, pushgateway: 9091 } as const;

/** Both images run as `nobody`. */
const nobody = 65534;

/** Production runs two of each helper, as the platform's min-replicas policy asks; elsewhere one. */
function replicasFor(environment: Environment): number {
    return environment === "production" ? 2 : 1;
}

/** Annotation naming why a namespace cannot enforce Pod Security "restricted" (for the policy pack). */
export const podSecurityExemption = "pneumonia.io/pod-security-exemption";

/** Tag the Prometheus StorageClass puts on its EBS volumes and the DLM policy selects. */
export const snapshotTagKey = "pneumonia.io/metrics-snapshots";

export interface MonitoringArgs {
    config: MonitoringSettings;
    environment: Environment;
    stack: string;
    /** The monitoring namespace (Pod Security restricted, default deny). */
    namespace: pulumi.Input<string>;
    /** The app namespace: detector, MLflow, Postgres and the exporter that watches it. */
    appNamespace: string;
    secrets: Pick<PlatformSecrets, "grafanaAdminPassword" | ReceiverSecretKey>;
    database: {
        /** The `database-connection` Secret; the exporter reads its `uri`. */
        connectionSecretName: pulumi.Input<string>;
        /** Egress a client pod needs to reach the database (Database.clientEgress). */
        egress: PortRule;
    };
    /** Pods that push backup results to the Pushgateway; default: the backup jobs in the app namespace. */
    backupClients?: Peer[];
    /** AWS stacks: tags for AWS resources. With `config.metricsSnapshots.enabled`, Prometheus' volume is snapshotted hourly. */
    aws?: { tags: Record<string, string> };
}

/**
 * kube-prometheus-stack with the platform's alerts, routing and dashboards, the exporters it
 * needs (Postgres, Pushgateway for backup freshness), the NetworkPolicies its namespace's default
 * deny requires, and hourly snapshots of the metrics volume for the 1 h metrics RPO.
 */
export class Monitoring extends pulumi.ComponentResource {
    /** PUSHGATEWAY_URL for the backup jobs. */
    public readonly pushgatewayUrl: pulumi.Output<string>;
    public readonly grafanaService: pulumi.Output<string>;
    /** Secret: the Grafana admin password (given or generated). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:monitoring:Monitoring", name, {}, opts);
        const { config, stack } = args;
        if (args.database.egress.port !== 5432)
            throw new Error(`${name}: database.egress must open the Postgres port 5432, got ${args.database.egress.port}`);
        // The error case (a paged stack's `pulumi up`) stopped loadConfig before anything was declared.
        const present = receiverSecretKeys.filter((key) => args.secrets[key]);
        const receivers = missingReceivers(config, args.environment, present, pulumi.runtime.isDryRun());
        if (receivers.warning) pulumi.log.warn(`${name}: ${receivers.warning}`, this);
        const child = { parent: this };
        const labels = platformLabels("monitoring", "monitoring", stack);
        const inMonitoring = (objectName: string, extra: Record<string, string> = {}) => ({
            name: objectName,
            namespace: args.namespace,
            labels: { ...labels, ...extra },
        });

        // Secrets first: the chart only references them, so nothing secret enters the Helm values.
        this.grafanaAdminPassword = pulumi.secret(
            args.secrets.grafanaAdminPassword ??
                new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child).result,
        );
        const grafanaAdmin = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" };
        const grafanaSecret = new k8s.core.v1.Secret(
            `${name}-grafana-admin`,
            {
                metadata: inMonitoring(grafanaAdmin.name),
                type: "Opaque",
                stringData: { [grafanaAdmin.userKey]: "admin", [grafanaAdmin.passwordKey]: this.grafanaAdminPassword },
            },
            child,
        );
        const alertmanagerSecretName = "alertmanager-pneumonia";
        const receiverSecrets = pulumi
            .all(receiverSecretKeys.map((key) => args.secrets[key]))
            .apply((values): ReceiverSecrets => Object.fromEntries(receiverSecretKeys.map((key, i) => [key, values[i]])));
        const alertmanagerSecret = new k8s.core.v1.Secret(
            `${name}-alertmanager`,
            {
                metadata: inMonitoring(alertmanagerSecretName),
                type: "Opaque",
                stringData: { "alertmanager.yaml": pulumi.secret(receiverSecrets.apply((s) => alertmanagerYaml(config, s))) },
            },
            child,
        );

        const snapshots = args.aws && config.metricsSnapshots.enabled ? this.metricsSnapshots(name, args, args.aws.tags) : undefined;

        const nodeExporterNamespace = new k8s.core.v1.Namespace(
            `${name}-node-exporter`,
            {
                metadata: {
                    name: pulumi.interpolate`${args.namespace}-node-exporter`,
                    labels: {
                        ...platformLabels("node-exporter", "monitoring", stack),
                        // node-exporter reads the host's /proc, /sys and root filesystem: allowed here only.
                        "pod-security.kubernetes.io/enforce": "privileged",
                        "pod-security.kubernetes.io/warn": "privileged",
                    },
                    annotations: { [podSecurityExemption]: "node-exporter needs the host network, PID namespace and filesystems" },
                },
            },
            child,
        );
        // node-exporter pods use the host network, where NetworkPolicies do not apply; this states
        // the intent and keeps anything else started here closed.
        trafficPolicy(
            "node-exporter",
            {
                namespace: nodeExporterNamespace.metadata.name,
                labels: platformLabels("node-exporter", "monitoring", stack),
                podSelector: {},
                ingress: [{ port: 9100, peers: [prometheusPeer(args.namespace)] }],
                egress: [],
            },
            child,
        );

        this.release = helmRelease(
            name,
            kubePrometheusStack,
            {
                namespace: args.namespace,
                timeout: 900,
                values: kubePrometheusStackValues({
                    config,
                    stack,
                    environment: args.environment,
                    alertmanagerSecret: alertmanagerSecretName,
                    grafanaAdminSecret: grafanaAdmin,
                    storageClassName: snapshots?.storageClass.metadata.name,
                    nodeExporterNamespace: nodeExporterNamespace.metadata.name,
                    monitoringNamespace: args.namespace,
                }),
            },
            { parent: this, dependsOn: [grafanaSecret, alertmanagerSecret, ...(snapshots ? [snapshots.storageClass] : [])] },
        );
        const afterCrds = { parent: this, dependsOn: [this.release] };

        for (const rule of prometheusRuleSpecs(config)) {
            new k8s.apiextensions.CustomResource(
                `${name}-${rule.name}`,
                { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", metadata: inMonitoring(rule.name), spec: rule.spec },
                afterCrds,
            );
        }

        for (const dashboard of dashboards(config, args.appNamespace)) {
            new k8s.core.v1.ConfigMap(
                `${name}-dashboard-${dashboard.uid}`,
                {
                    metadata: inMonitoring(`grafana-dashboard-${dashboard.uid}`, dashboardLabel),
                    data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard.json) },
                },
                child,
            );
        }

        this.postgresExporter(name, args);
        this.pushgatewayUrl = this.pushgateway(name, args, afterCrds);
        this.scrapeTargets(name, args, afterCrds);
        this.chartPolicies(args);

        this.grafanaService = pulumi.interpolate`${chartNames.grafanaService}.${args.namespace}.svc.cluster.local`;
        this.registerOutputs({
            pushgatewayUrl: this.pushgatewayUrl,
            grafanaService: this.grafanaService,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }

    /**
     * The 1 h metrics RPO: Prometheus' volume comes from a StorageClass whose EBS volumes carry a
     * tag (EBS CSI `tagSpecification_N` parameter), and Data Lifecycle Manager snapshots every
     * volume with that tag each hour. A snapshot of the live TSDB is crash-consistent; Prometheus
     * replays its WAL on start, as after a node crash.
     */
    private metricsSnapshots(name: string, args: MonitoringArgs, tags: Record<string, string>) {
        const child = { parent: this };
        const storageClass = new k8s.storage.v1.StorageClass(
            `${name}-prometheus-storage`,
            {
                metadata: {
                    name: stackScopedName("prometheus", args.stack),
                    labels: platformLabels("prometheus", "monitoring", args.stack),
                },
                provisioner: "ebs.csi.aws.com",
                parameters: { type: "gp3", encrypted: "true", tagSpecification_1: `${snapshotTagKey}=${args.stack}` },
                // Retain: deleting the release or the PVC must not delete the metrics volume and its history.
                reclaimPolicy: "Retain",
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
            },
            child,
        );
        const role = new aws.iam.Role(
            `${name}-dlm`,
            {
                description: "Data Lifecycle Manager: hourly snapshots of the Prometheus volume",
                // DLM assumes it for this account's lifecycle policies in this region only.
                assumeRolePolicy: serviceTrustPolicy(
                    "dlm.amazonaws.com",
                    (account, region) => `arn:aws:dlm:${region}:${account}:policy/*`,
                    this,
                ),
                tags,
            },
            child,
        );
        const policy = new aws.iam.RolePolicyAttachment(
            `${name}-dlm`,
            { role: role.name, policyArn: "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole" },
            child,
        );
        const { intervalHours, retainCount } = args.config.metricsSnapshots;
        new aws.dlm.LifecyclePolicy(
            `${name}-prometheus-snapshots`,
            {
                description: `Hourly snapshots of the Prometheus volume of stack ${args.stack}`,
                executionRoleArn: role.arn,
                state: "ENABLED",
                policyDetails: {
                    resourceTypes: ["VOLUME"],
                    targetTags: { [snapshotTagKey]: args.stack },
                    schedules: [
                        {
                            name: `every ${intervalHours}h, keep ${retainCount}`,
                            createRule: { interval: intervalHours, intervalUnit: "HOURS", times: "00:00" },
                            retainRule: { count: retainCount },
                            copyTags: true,
                            tagsToAdd: { "pneumonia.io/snapshot-of": "prometheus" },
                        },
                    ],
                },
                tags,
            },
            { parent: this, dependsOn: [policy] },
        );
        return { storageClass };
    }

    /** prometheus-community postgres_exporter next to the database, reading the shared connection Secret. */
    private postgresExporter(name: string, args: MonitoringArgs): void {
        const exporterLabels = platformLabels("postgres-exporter", "monitoring", args.stack);
        const selector = selectorLabels("postgres-exporter", args.stack);
        const metadata = { name: "postgres-exporter", namespace: args.appNamespace, labels: exporterLabels };
        const child = { parent: this };
        new k8s.apps.v1.Deployment(
            `${name}-postgres-exporter`,
            {
                metadata,
                spec: {
                    replicas: replicasFor(args.environment),
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...exporterLabels, ...databaseClientLabel } },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(nobody),
                            containers: [
                                {
                                    name: "postgres-exporter",
                                    image: images.postgresExporter,
                                    // The same URI MLflow uses (sslmode=require against RDS), never in the manifest.
                                    env: [
                                        {
                                            name: "DATA_SOURCE_NAME",
                                            valueFrom: { secretKeyRef: { name: args.database.connectionSecretName, key: "uri" } },
                                        },
                                    ],
                                    ports: [{ name: "metrics", containerPort: ports.postgresExporter }],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    readinessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 15 },
                                    livenessProbe: { httpGet: { path: "/", port: "metrics" }, periodSeconds: 30 },
                                    securityContext: restrictedContainerSecurityContext(),
                                },
                            ],
                        },
                    },
                },
            },
            child,
        );
        new k8s.core.v1.Service(
            `${name}-postgres-exporter`,
            { metadata, spec: { selector, ports: [{ name: "metrics", port: ports.postgresExporter, targetPort: "metrics" }] } },
            child,
        );
        disruptionBudget(`${name}-postgres-exporter`, metadata, selector, this);
        trafficPolicy(
            "postgres-exporter",
            {
                namespace: args.appNamespace,
                labels: exporterLabels,
                podSelector: selector,
                ingress: [{ port: ports.postgresExporter, peers: [prometheusPeer(args.namespace)] }],
                egress: [args.database.egress],
            },
            child,
        );
    }

    /** The Pushgateway the backup jobs report to, with its state on a volume so a restart keeps the last results. */
    private pushgateway(name: string, args: MonitoringArgs, afterCrds: pulumi.CustomResourceOptions): pulumi.Output<string> {
        const pushLabels = platformLabels("pushgateway", "monitoring", args.stack);
        const selector = selectorLabels("pushgateway", args.stack);
        const metadata = { name: "pushgateway", namespace: args.namespace, labels: pushLabels };
        const child = { parent: this };
        // A StatefulSet: each replica keeps its own persistence file, since one file cannot be shared.
        // Pushes land on one replica; the recording rules take the newest result across them.
        new k8s.apps.v1.StatefulSet(
            `${name}-pushgateway`,
            {
                metadata,
                spec: {
                    serviceName: "pushgateway",
                    replicas: replicasFor(args.environment),
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: pushLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(nobody),
                            containers: [
                                {
                                    name: "pushgateway",
                                    image: images.pushgateway,
                                    args: ["--persistence.file=/data/pushgateway.db", "--persistence.interval=1m"],
                                    ports: [{ name: "http", containerPort: ports.pushgateway }],
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                                    readinessProbe: { httpGet: { path: "/-/ready", port: "http" }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/-/healthy", port: "http" }, periodSeconds: 30 },
                                    securityContext: restrictedContainerSecurityContext(),
                                    volumeMounts: [{ name: "data", mountPath: "/data" }],
                                },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "data", labels: pushLabels },
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                        },
                    ],
                },
            },
            child,
        );
        disruptionBudget(`${name}-pushgateway`, metadata, selector, this);
        const service = new k8s.core.v1.Service(
            `${name}-pushgateway`,
            { metadata, spec: { selector, ports: [{ name: "http", port: ports.pushgateway, targetPort: "http" }] } },
            child,
        );
        trafficPolicy(
            "pushgateway",
            {
                namespace: args.namespace,
                labels: pushLabels,
                podSelector: selector,
                ingress: [
                    {
                        port: ports.pushgateway,
                        peers: [
                            prometheusPeer(args.namespace),
                            ...(args.backupClients ?? [{ namespace: args.appNamespace, pods: { "app.kubernetes.io/name": "backup" } }]),
                        ],
                    },
                ],
                egress: [],
            },
            child,
        );
        this.serviceMonitor(
            `${name}-pushgateway`,
            args,
            "pushgateway",
            {
                selector: { matchLabels: selector },
                namespaceSelector: { matchNames: [args.namespace] },
                // honorLabels: the job and kind labels the backup runner pushed win over the scrape target's.
                endpoints: [{ port: "http", interval: "30s", honorLabels: true }],
            },
            afterCrds,
        );
        return pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${ports.pushgateway}`;
    }

    private serviceMonitor(
        resourceName: string,
        args: MonitoringArgs,
        objectName: string,
        spec: Record<string, unknown>,
        opts: pulumi.CustomResourceOptions,
    ) {
        return new k8s.apiextensions.CustomResource(
            resourceName,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: objectName, namespace: args.namespace, labels: platformLabels(objectName, "monitoring", args.stack) },
                spec,
            },
            opts,
        );
    }

    /** ServiceMonitors of the app namespace's services, each relabelled to the job name the rules expect. */
    private scrapeTargets(name: string, args: MonitoringArgs, afterCrds: pulumi.CustomResourceOptions): void {
        const targets = [
            { service: "detector", port: "metrics", path: "/metrics", job: args.config.detector.job },
            { service: "mlflow", port: "http", path: "/metrics", job: args.config.jobs.mlflow },
            { service: "postgres-exporter", port: "metrics", path: "/metrics", job: args.config.jobs.postgres },
        ];
        for (const t of targets) {
            this.serviceMonitor(
                `${name}-${t.service}`,
                args,
                t.service,
                {
                    selector: { matchLabels: selectorLabels(t.service, args.stack) },
                    namespaceSelector: { matchNames: [args.appNamespace] },
                    endpoints: [
                        {
                            port: t.port,
                            path: t.path,
                            interval: "30s",
                            relabelings: [{ action: "replace", targetLabel: "job", replacement: t.job }],
                        },
                    ],
                },
                afterCrds,
            );
        }
    }

    /** Allow-rules for the chart's pods on top of the namespace's default deny. */
    private chartPolicies(args: MonitoringArgs): void {
        const child = { parent: this };
        const ns = args.namespace;
        const pod = (name: string): Peer => ({ pods: { "app.kubernetes.io/name": name } });
        const prometheus = pod("prometheus");
        const grafana = pod("grafana");
        const alertmanager = pod("alertmanager");
        const operator: Peer = { pods: { app: chartNames.operatorApp } };
        const kubernetesApi: PortRule[] = [{ port: 443 }, { port: 6443 }];
        const labels = (component: string) => platformLabels(component, "monitoring", args.stack);
        const app = (name: string): Peer => ({ namespace: args.appNamespace, pods: selectorLabels(name, args.stack) });

        trafficPolicy(
            "prometheus",
            {
                namespace: ns,
                labels: labels("prometheus"),
                podSelector: prometheus.pods!,
                ingress: [
                    { port: 9090, peers: [grafana, prometheus] },
                    { port: 8080, peers: [prometheus] },
                ],
                egress: [
                    { port: ports.detectorMetrics, peers: [app("detector")] },
                    { port: ports.mlflow, peers: [app("mlflow")] },
                    { port: ports.postgresExporter, peers: [app("postgres-exporter")] },
                    { port: ports.pushgateway, peers: [pod("pushgateway")] },
                    { port: 9090, peers: [prometheus] },
                    { port: 9093, peers: [alertmanager] },
                    { port: 8080, peers: [alertmanager, prometheus, pod("kube-state-metrics"), operator] },
                    { port: 8081, peers: [pod("kube-state-metrics")] },
                    { port: 3000, peers: [grafana] },
                    { port: 10250 }, // kubelet and cAdvisor on every node
                    { port: 9100 }, // node-exporter, on the host network of every node
                    { port: 9153 }, // CoreDNS metrics
                    ...kubernetesApi,
                ],
            },
            child,
        );
        trafficPolicy(
            "alertmanager",
            {
                namespace: ns,
                labels: labels("alertmanager"),
                podSelector: alertmanager.pods!,
                ingress: [
                    { port: 9093, peers: [prometheus, grafana] },
                    { port: 8080, peers: [prometheus] },
                    { port: 9094, peers: [alertmanager] },
                    { port: 9094, protocol: "UDP", peers: [alertmanager] },
                ],
                // PagerDuty, Slack and the ticket webhook are outside the cluster, on HTTPS.
                egress: [{ port: 443 }, { port: 9094, peers: [alertmanager] }, { port: 9094, protocol: "UDP", peers: [alertmanager] }],
            },
            child,
        );
        trafficPolicy(
            "grafana",
            {
                namespace: ns,
                labels: labels("grafana"),
                podSelector: grafana.pods!,
                // Users reach Grafana through port-forward or an ingress; Prometheus scrapes it.
                ingress: [{ port: 3000 }],
                egress: [{ port: 9090, peers: [prometheus] }, { port: 9093, peers: [alertmanager] }, ...kubernetesApi],
            },
            child,
        );
        trafficPolicy(
            "prometheus-operator",
            {
                namespace: ns,
                labels: labels("prometheus-operator"),
                podSelector: operator.pods!,
                ingress: [{ port: chartNames.operatorPort, peers: [prometheus] }],
                egress: kubernetesApi,
            },
            child,
        );
        trafficPolicy(
            "kube-state-metrics",
            {
                namespace: ns,
                labels: labels("kube-state-metrics"),
                podSelector: pod("kube-state-metrics").pods!,
                ingress: [
                    { port: 8080, peers: [prometheus] },
                    { port: 8081, peers: [prometheus] },
                ],
                egress: kubernetesApi,
            },
            child,
        );
    }
}
