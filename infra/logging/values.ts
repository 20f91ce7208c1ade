// Values of the two charts of the log pipeline. Every chart key was checked against the pinned
// chart version's values.yaml (tests/infra/logging/fixtures/*-values-keys.json, re-checked by
// tests/infra/logging/values.test.ts); the Loki configuration blocks the chart passes through
// (loki.limits_config, loki.compactor, loki.rulerConfig) against Loki's configuration reference.
import type * as pulumi from "@pulumi/pulumi";
import { podLogsPath } from "./alloy";
import type { LogClass, LoggingConfig } from "./config";
import { alloyChart, lokiChart } from "../platform/charts";

/** Loki's HTTP port (loki.server.http_listen_port) and the ports its replicas talk to each other on. */
export const lokiPorts = { http: 3100, grpc: 9095, memberlist: 7946 } as const;
/** The agent's namespace is the monitoring namespace with this suffix: it alone may mount host paths. */
export const agentNamespaceSuffix = "-logs-agent";
/** Alloy's HTTP server (alloy.listenPort): UI, /metrics, /-/ready. */
export const agentPort = 12345;
const agentStoragePath = "/var/lib/alloy";

/**
 * Where the agent pushes: the distributor, or in monolithic mode the single binary. Service names
 * as the chart derives them from the release name (templates/_helpers.tpl, loki.resourceName:
 * fullname, then `-<component>`; templates/_service.tpl).
 */
export function lokiPushUrl(mode: LoggingConfig["mode"], namespace: string): string {
    const service = mode === "monolithic" ? lokiChart.releaseName : `${lokiChart.releaseName}-distributor`;
    return `http://${service}.${namespace}.svc.cluster.local:${lokiPorts.http}/loki/api/v1/push`;
}

/** A Service of our own in front of whichever pods answer queries in the mode (Grafana, the health check). */
export const lokiQueryService = "loki-query";

/** Pod label the chart puts on every Loki pod (loki.selectorLabels: app.kubernetes.io/name = chart name). */
export const lokiPodLabels = { "app.kubernetes.io/name": lokiChart.chart, "app.kubernetes.io/instance": lokiChart.releaseName } as const;
/** Pod label of the agent's pods (alloy.selectorLabels). */
export const agentPodLabels = { "app.kubernetes.io/name": alloyChart.chart, "app.kubernetes.io/instance": alloyChart.releaseName } as const;

/** The ruler's sidecar loads ConfigMaps with this label (sidecar.rules.label) into its rules folder. */
export const lokiRuleLabel = { loki_rule: "1" } as const;
/** With auth_enabled false, Loki's single tenant is "fake"; the local rule store reads <dir>/<tenant>/. */
const rulesDirectory = "/rules";
const tenant = "fake";

/** Stream selectors of the classes that differ from the default (application). */
export const classSelectors: Record<Exclude<LogClass, "application">, string> = {
    events: '{log_class="events"}',
    access: '{log_class="access"}',
    backup: '{log_class="backup"}',
};

const hours = (days: number) => `${days * 24}h`;

/** Loki's per-stream retention: the default period is the application class, each other class a stream rule. */
export function retentionLimits(config: LoggingConfig): {
    retention_period: string;
    retention_stream: Array<{ selector: string; priority: number; period: string }>;
} {
    return {
        retention_period: hours(config.retentionDays.application),
        retention_stream: (Object.keys(classSelectors) as Array<keyof typeof classSelectors>).map((c) => ({
            selector: classSelectors[c],
            priority: 1,
            period: hours(config.retentionDays[c]),
        })),
    };
}

export interface LokiStorage {
    bucket: pulumi.Input<string>;
    region: string;
    /** S3-compatible store (MinIO): its URL, path-style addressing, keys from the Secret's env. */
    endpoint?: pulumi.Input<string>;
    credentialsSecret?: pulumi.Input<string>;
}

export interface LokiValuesArgs {
    config: LoggingConfig;
    storage: LokiStorage;
    alertmanagerUrl: pulumi.Input<string>;
    /** Prometheus' remote-write receiver: the ruler's recording rules (per-caller series of the front door) land there. */
    prometheusRemoteWriteUrl: pulumi.Input<string>;
    /** Labels every alert of the ruler carries, as Prometheus' external labels do (infra/monitoring/values.ts). */
    externalLabels: { stack: string; environment: string };
    /** AWS stacks: the IRSA role annotation of Loki's service account. */
    serviceAccountAnnotations: pulumi.Input<Record<string, string>>;
}

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

export function lokiValues(args: LokiValuesArgs) {
    const { config, storage } = args;
    const monolithic = config.mode === "monolithic";
    const distributed = (replicas: number, cpu: string, memory: string) => ({
        replicas: monolithic ? 0 : replicas,
        resources: resources(cpu, memory, "1", memory === "512Mi" ? "1Gi" : "2Gi"),
    });
    return {
        deploymentMode: monolithic ? "Monolithic" : "Distributed",
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: monolithic ? 1 : 3 },
            schemaConfig: {
                configs: [
                    { from: "2026-01-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } },
                ],
            },
            storage: {
                type: "s3",
                bucketNames: { chunks: storage.bucket },
                s3: {
                    region: storage.region,
                    // An S3-compatible store's keys come from the environment (-config.expand-env), never from the values.
                    ...(storage.endpoint
                        ? {
                              endpoint: storage.endpoint,
                              s3ForcePathStyle: true,
                              insecure: true,
                              accessKeyId: "${AWS_ACCESS_KEY_ID}",
                              secretAccessKey: "${AWS_SECRET_ACCESS_KEY}",
                          }
                        : {}),
                },
            },
            limits_config: {
                ...retentionLimits(config),
                ingestion_rate_mb: config.ingestionRateMb,
                ingestion_burst_size_mb: config.ingestionBurstMb,
            },
            compactor: {
                retention_enabled: true,
                delete_request_store: "s3",
                working_directory: "/var/loki/compactor",
                compaction_interval: "10m",
                retention_delete_delay: "2h",
            },
            rulerConfig: {
                alertmanager_url: args.alertmanagerUrl,
                external_labels: args.externalLabels,
                enable_api: true,
                rule_path: "/var/loki/rules-scratch",
                storage: { type: "local", local: { directory: rulesDirectory } },
                wal: { dir: "/var/loki/ruler-wal" },
                // Recording rules are sent to Prometheus, where metric alerts and dashboards read them
                // (Loki reference, ruler.remote_write; clients is a map of Prometheus remote_write configs).
                remote_write: { enabled: true, clients: { prometheus: { url: args.prometheusRemoteWriteUrl } } },
            },
        },
        serviceAccount: { create: true, annotations: args.serviceAccountAnnotations },
        singleBinary: {
            replicas: monolithic ? 1 : 0,
            resources: resources("250m", "512Mi", "1", "1Gi"),
            persistence: { enabled: true, size: config.storageSize },
            ...(storage.credentialsSecret
                ? { extraArgs: ["-config.expand-env=true"], extraEnvFrom: [{ secretRef: { name: storage.credentialsSecret } }] }
                : {}),
        },
        // The WAL on a volume: an ingester restart replays what it had not flushed.
        ingester: {
            ...distributed(3, "250m", "1Gi"),
            persistence: { enabled: !monolithic, claims: [{ name: "data", accessModes: ["ReadWriteOnce"], size: config.storageSize }] },
        },
        distributor: distributed(2, "100m", "512Mi"),
        querier: distributed(2, "250m", "1Gi"),
        queryFrontend: distributed(2, "100m", "512Mi"),
        queryScheduler: distributed(2, "100m", "512Mi"),
        indexGateway: distributed(2, "100m", "512Mi"),
        compactor: distributed(1, "100m", "1Gi"),
        ruler: { ...distributed(2, "100m", "512Mi"), sidecar: !monolithic },
        // Superseded modes and optional components: off.
        backend: { replicas: 0 },
        read: { replicas: 0 },
        write: { replicas: 0 },
        gateway: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        minio: { enabled: false },
        sidecar: {
            rules: {
                enabled: true,
                label: Object.keys(lokiRuleLabel)[0],
                labelValue: Object.values(lokiRuleLabel)[0],
                folder: `${rulesDirectory}/${tenant}`,
            },
        },
        monitoring: { serviceMonitor: { enabled: true } },
    };
}

export interface AlloyValuesArgs {
    /** The rendered Alloy configuration (infra/logging/alloy.ts). */
    configuration: string;
}

export function alloyValues(args: AlloyValuesArgs) {
    return {
        alloy: {
            configMap: { create: true, content: args.configuration },
            // The agents form a cluster so that Kubernetes events are collected once (loki.source.kubernetes_events clustering).
            clustering: { enabled: true },
            // No usage reports leave the cluster.
            enableReporting: false,
            listenPort: agentPort,
            // Positions of the tailed files (storagePath) on an emptyDir: the root filesystem is read-only.
            storagePath: agentStoragePath,
            mounts: {
                varlog: false,
                dockercontainers: false,
                extra: [
                    { name: "pod-logs", mountPath: podLogsPath, readOnly: true },
                    { name: "agent-data", mountPath: agentStoragePath },
                ],
            },
            // Root only to read the kubelet's 0640 root-owned log files: no capability, no privilege escalation, read-only root.
            securityContext: {
                runAsUser: 0,
                runAsNonRoot: false,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            resources: resources("100m", "128Mi", "500m", "512Mi"),
        },
        controller: {
            type: "daemonset",
            volumes: {
                extra: [
                    { name: "pod-logs", hostPath: { path: podLogsPath, type: "Directory" } },
                    { name: "agent-data", emptyDir: { sizeLimit: "1Gi" } },
                ],
            },
        },
        serviceMonitor: { enabled: true },
    };
}
