// Values for the kube-prometheus-stack chart, typed to the keys we set. Every key was checked
// against the pinned chart version's values.yaml (prometheus-community/helm-charts, tag
// kube-prometheus-stack-88.5.3); tests/infra/monitoring/values.test.ts re-checks each path
// against a key list derived from that file, so a chart bump that drops a key fails the tests.
import type * as pulumi from "@pulumi/pulumi";
import { kubePrometheusStack } from "../platform/charts";
import type { MonitoringSettings } from "./config";

/** Names the chart derives from the release name (templates/_helpers.tpl, fullname = release name). */
export const chartNames = {
    prometheusService: `${kubePrometheusStack.releaseName}-prometheus`,
    alertmanagerService: `${kubePrometheusStack.releaseName}-alertmanager`,
    grafanaService: `${kubePrometheusStack.releaseName}-grafana`,
    /** Pod label of the operator: `app: <chart name>-operator` (templates/prometheus-operator/deployment.yaml). */
    operatorApp: `${kubePrometheusStack.chart}-operator`,
    /** The operator's HTTP port with `prometheusOperator.tls.enabled: false` (templates/prometheus-operator/deployment.yaml). */
    operatorPort: 8080,
} as const;

/** The Grafana sidecar loads ConfigMaps carrying this label (grafana.sidecar.dashboards.label/labelValue). */
export const dashboardLabel = { grafana_dashboard: "1" } as const;

export interface KubePrometheusStackValues {
    crds: { enabled: boolean };
    defaultRules: { create: boolean };
    prometheusOperator: {
        /** Off: no certificate Jobs and no API-server-to-operator webhook traffic; promtool checks our rules in CI instead. */
        admissionWebhooks: { enabled: boolean };
        /**
         * Off with the webhooks: when on (the default), templates/prometheus-operator/deployment.yaml mounts
         * the Secret `<release>-admission`, which only the webhooks' patch Job creates, and the operator
         * never starts (prometheus-community/helm-charts issues 418, 1438, 2742, 6586). Off, it serves
         * metrics and /healthz over HTTP on 8080 (`--web.enable-tls=false --web.listen-address=:8080`).
         */
        tls: { enabled: boolean };
    };
    alertmanager: {
        enabled: boolean;
        alertmanagerSpec: {
            /** With configSecret: the chart renders no config Secret of its own (templates/alertmanager/secret.yaml). */
            useExistingSecret: boolean;
            /** Documented in values.yaml as a commented key; read by templates/alertmanager/alertmanager.yaml. */
            configSecret: string;
            replicas: number;
            retention: string;
        };
    };
    grafana: {
        enabled: boolean;
        defaultDashboardsEnabled: boolean;
        admin: { existingSecret: string; userKey: string; passwordKey: string };
        /** grafana chart (the dependency, 12.11.1) values.yaml: namespaced creates a Role, not a ClusterRole. */
        rbac: { namespaced: boolean };
        sidecar: { dashboards: { enabled: boolean; label: string; labelValue: string; searchNamespace: pulumi.Input<string>[] } };
        additionalDataSources: Record<string, unknown>[];
    };
    prometheus: {
        prometheusSpec: {
            retention: string;
            externalLabels: Record<string, string>;
            storageSpec: {
                volumeClaimTemplate: {
                    spec: {
                        storageClassName?: pulumi.Input<string>;
                        accessModes: string[];
                        resources: { requests: { storage: string } };
                    };
                };
            };
            ruleSelectorNilUsesHelmValues: boolean;
            enableRemoteWriteReceiver: boolean;
            serviceMonitorSelectorNilUsesHelmValues: boolean;
            podMonitorSelectorNilUsesHelmValues: boolean;
            probeSelectorNilUsesHelmValues: boolean;
            scrapeConfigSelectorNilUsesHelmValues: boolean;
        };
    };
    "prometheus-node-exporter": { namespaceOverride: pulumi.Input<string> };
    kubeControllerManager: { enabled: boolean };
    kubeScheduler: { enabled: boolean };
    kubeEtcd: { enabled: boolean };
    kubeProxy: { enabled: boolean };
}

export interface ValuesArgs {
    config: MonitoringSettings;
    stack: string;
    environment: string;
    alertmanagerSecret: string;
    grafanaAdminSecret: { name: string; userKey: string; passwordKey: string };
    /** The StorageClass whose volumes are snapshotted hourly; the cluster default when unset. */
    storageClassName?: pulumi.Input<string>;
    /** node-exporter needs host access that Pod Security "restricted" forbids, so it runs apart. */
    nodeExporterNamespace: pulumi.Input<string>;
    /** The release's namespace, where Grafana and every dashboard ConfigMap live. */
    monitoringNamespace: pulumi.Input<string>;
}

export function kubePrometheusStackValues(args: ValuesArgs): KubePrometheusStackValues {
    const { config } = args;
    return {
        crds: { enabled: true },
        defaultRules: { create: true },
        prometheusOperator: { admissionWebhooks: { enabled: false }, tls: { enabled: false } },
        alertmanager: {
            enabled: true,
            alertmanagerSpec: {
                useExistingSecret: true,
                configSecret: args.alertmanagerSecret,
                replicas: args.environment === "production" ? 2 : 1,
                retention: "120h",
            },
        },
        grafana: {
            enabled: true,
            defaultDashboardsEnabled: true,
            admin: {
                existingSecret: args.grafanaAdminSecret.name,
                userKey: args.grafanaAdminSecret.userKey,
                passwordKey: args.grafanaAdminSecret.passwordKey,
            },
            // Every dashboard ConfigMap is in Grafana's own namespace: the sidecars read only there,
            // through a Role. Searching ALL would need a ClusterRole reading every Secret in the cluster.
            rbac: { namespaced: true },
            sidecar: { dashboards: { enabled: true, ...labelPair(dashboardLabel), searchNamespace: [args.monitoringNamespace] } },
            additionalDataSources: config.contributions.flatMap((c) => c.dataSources ?? []),
        },
        prometheus: {
            prometheusSpec: {
                retention: config.retention,
                externalLabels: { stack: args.stack, environment: args.environment },
                storageSpec: {
                    volumeClaimTemplate: {
                        spec: {
                            ...(args.storageClassName ? { storageClassName: args.storageClassName } : {}),
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: config.storageSize } },
                        },
                    },
                },
                // false: empty selectors select every rule and monitor, not only those labelled with the release.
                ruleSelectorNilUsesHelmValues: false,
                // Loki's ruler writes the front door's per-caller series here (infra/logging/rules.ts).
                enableRemoteWriteReceiver: true,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
            },
        },
        "prometheus-node-exporter": { namespaceOverride: args.nodeExporterNamespace },
        // EKS hides the control plane and kind binds these to localhost: their scrapes would only
        // ever fail and page as TargetDown. The API server and kubelets stay monitored.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
    };
}

function labelPair(label: Record<string, string>): { label: string; labelValue: string } {
    const [[key, value]] = Object.entries(label);
    return { label: key, labelValue: value };
}
