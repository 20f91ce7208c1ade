// The front door watched from inside the cluster: a blackbox prober (prometheus-blackbox-exporter)
// with Probe objects for the public /health over HTTPS (and its certificate), MLflow and the object
// store; the Envoy proxies' own metrics; the edge dashboard. The alerts are in ./alerts.ts.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { ClusterConfig } from "../platform/cluster";
import { ServiceAccountRole } from "../platform/irsa";
import { platformLabels } from "../platform/labels";
import { prometheusPeer, trafficPolicy, type Peer } from "../platform/network";
import { dashboard, type Dashboard } from "../observability/dashboards";
import { selector } from "../observability/rules";
import { dashboardLabel } from "../monitoring/values";
import { certificateExpiryDays, edgeJobs, probeTargets, rejectedPerSecondBaseline, wafBlockedPerMinuteBaseline } from "./alerts";
import { envoyPorts, envoyProxyPodLabels } from "./gateway";
import { edgeClientRequestsRate } from "../logging/rules";
import { blackboxChart, helmRelease, wafMetricsChart } from "../platform/charts";

/** The chart's pod labels (templates/deployment.yaml: app = chart name, release = release name). */
export const wafMetricsPodLabels = { app: wafMetricsChart.chart, release: wafMetricsChart.releaseName } as const;

/** cloudwatch_exporter's config (its README, "Configuration"): BlockedRequests of the edge's web ACL, per rule, each minute. */
export function wafMetricsConfig(region: string, webAclMetricName: string): string {
    return stringify({
        region,
        period_seconds: 60,
        metrics: [
            {
                aws_namespace: "AWS/WAFV2",
                aws_metric_name: "BlockedRequests",
                aws_dimensions: ["WebACL", "Region", "Rule"],
                // The dimension's value is the ACL's VisibilityConfig.MetricName, not its name.
                aws_dimension_select: { WebACL: [webAclMetricName] },
                aws_statistics: ["Sum"],
            },
        ],
    });
}

/** Values for prometheus-cloudwatch-exporter; tests/infra/edge/values.test.ts checks the keys against its values.yaml. */
export function wafMetricsValues<C extends pulumi.Input<string>>(config: C, roleArn: pulumi.Input<string>) {
    return {
        config,
        serviceAccount: {
            create: true,
            name: wafMetricsChart.serviceAccount,
            // Commented in values.yaml, read by templates/serviceaccount.yaml.
            annotations: { "eks.amazonaws.com/role-arn": roleArn },
        },
        aws: { stsRegional: { enabled: true } },
        rbac: { create: false },
        serviceMonitor: { enabled: true },
        securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    };
}

/** Pod labels the chart gives the exporter (templates/_helpers.tpl selectorLabels: chart name and release). */
export const blackboxPodLabels = {
    "app.kubernetes.io/name": blackboxChart.chart,
    "app.kubernetes.io/instance": blackboxChart.releaseName,
} as const;

/** Blackbox modules (blackbox_exporter CONFIGURATION.md, v0.28.0). */
export function blackboxModules(verifyPublicCertificate: boolean) {
    return {
        // GET /health must answer 200 over TLS; the certificate must verify where it is a public one.
        https_health: {
            prober: "http",
            timeout: "5s",
            http: {
                method: "GET",
                valid_status_codes: [200],
                valid_http_versions: ["HTTP/1.1", "HTTP/2.0"],
                fail_if_not_ssl: true,
                follow_redirects: false,
                preferred_ip_protocol: "ip4",
                tls_config: { insecure_skip_verify: !verifyPublicCertificate },
            },
        },
        http_health: { prober: "http", timeout: "5s", http: { method: "GET", valid_status_codes: [200], preferred_ip_protocol: "ip4" } },
        tls_connect: { prober: "tcp", timeout: "5s", tcp: { tls: true, preferred_ip_protocol: "ip4" } },
    };
}

/** Values for the prometheus-blackbox-exporter chart; tests/infra/edge/values.test.ts checks the keys against its values.yaml. */
export function blackboxValues(verifyPublicCertificate: boolean) {
    return {
        replicas: 1,
        podSecurityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            runAsUser: 1000,
            runAsGroup: 1000,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        config: { modules: blackboxModules(verifyPublicCertificate) },
    };
}

export interface ProbeTarget {
    name: string;
    module: keyof ReturnType<typeof blackboxModules>;
    url: pulumi.Input<string>;
    target: string;
}

/** A Probe object (monitoring.coreos.com/v1): the exporter probes `url` with `module` every 30 s. */
export function probeObject(namespace: string, t: ProbeTarget) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Probe",
        metadata: { name: `edge-${t.name}`, namespace },
        spec: {
            jobName: edgeJobs.probes,
            interval: "30s",
            scrapeTimeout: "10s",
            module: t.module,
            prober: {
                url: `${blackboxChart.releaseName}-${blackboxChart.chart}.${namespace}.svc:${blackboxChart.port}`,
                path: "/probe",
                scheme: "http",
            },
            targets: { staticConfig: { static: [t.url], labels: { target: t.target } } },
        },
    };
}

/** The Envoy proxies' Prometheus endpoint (Envoy Gateway: container port "metrics", /stats/prometheus). */
export function proxyMonitorObject(namespace: string) {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: "envoy-proxy", namespace },
        spec: {
            selector: { matchLabels: envoyProxyPodLabels },
            podMetricsEndpoints: [{ port: "metrics", path: "/stats/prometheus", interval: "30s" }],
        },
    };
}

/** The edge dashboard: traffic and refusals at the gateway, latency at the edge, the prober's view. */
export function edgeDashboard(): Dashboard {
    const proxies = selector({ job: edgeJobs.proxies });
    const edgeWafBlocked = `aws_wafv2_blocked_requests_sum${selector({ job: edgeJobs.waf })}`;
    const local4xx = [
        `sum(rate(envoy_http_downstream_rq_xx${selector({ job: edgeJobs.proxies, envoy_response_code_class: "4" })}[5m]))`,
        `- sum(rate(envoy_cluster_upstream_rq_xx${selector({ job: edgeJobs.proxies, envoy_response_code_class: "4" })}[5m]))`,
    ].join("\n");
    const quantile = (q: number) => `histogram_quantile(${q}, sum by (le) (rate(envoy_http_downstream_rq_time_bucket${proxies}[5m])))`;
    const publicProbe = selector({ job: edgeJobs.probes, target: probeTargets.publicHealth });
    return dashboard("pneumonia-edge", "Pneumonia edge", [
        [
            {
                title: "Requests at the edge by status class",
                kind: "timeseries",
                unit: "reqps",
                targets: [
                    {
                        expr: `sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx${proxies}[5m]))`,
                        legend: "{{envoy_response_code_class}}xx",
                    },
                ],
            },
            {
                title: "Refused at the edge (bad or missing key, no route, too large)",
                kind: "timeseries",
                unit: "reqps",
                targets: [{ expr: local4xx, legend: "refused" }],
                description:
                    "4xx the gateway answered itself, all callers (Envoy's stats). Per caller: the row below; per address: the access log.",
            },
        ],
        // Recorded by Loki's ruler from Envoy's access log and written to Prometheus (infra/logging/rules.ts).
        [
            {
                title: "Requests per caller and status",
                kind: "timeseries",
                unit: "reqps",
                targets: [{ expr: `sum by (client, status) (${edgeClientRequestsRate})`, legend: "{{client}} {{status}}" }],
                description:
                    "From the access log: the caller id (<client>.<key>) and status of every request; an empty id is a request without a valid key.",
            },
            {
                title: "Refused per caller (401/403)",
                kind: "timeseries",
                unit: "reqps",
                targets: [{ expr: `sum by (client) (${edgeClientRequestsRate}{status=~"401|403"})`, legend: "{{client}}" }],
                limit: { value: rejectedPerSecondBaseline },
                description: "EdgeRejectedRequestsSpike fires for a caller above the line for 10 minutes.",
            },
        ],
        [
            {
                title: "Latency at the edge",
                kind: "timeseries",
                unit: "ms",
                targets: [
                    { expr: quantile(0.5), legend: "p50" },
                    { expr: quantile(0.95), legend: "p95" },
                    { expr: quantile(0.99), legend: "p99" },
                ],
                limit: { value: 2000 },
                description: "Whole request as the gateway saw it (upload included), in milliseconds; the line is the manual's 2 s.",
            },
            {
                title: "Probes (1 = up)",
                kind: "timeseries",
                unit: "none",
                targets: [{ expr: `probe_success${selector({ job: edgeJobs.probes })}`, legend: "{{target}}" }],
                limit: { value: 1, below: true },
            },
            {
                title: "Blocked by WAF (per minute)",
                kind: "timeseries",
                unit: "none",
                targets: [{ expr: `sum by (rule) (${edgeWafBlocked})`, legend: "{{rule}}" }],
                limit: { value: wafBlockedPerMinuteBaseline },
                description: "AWS WAF BlockedRequests per rule from CloudWatch (AWS stacks; about 10 minutes behind).",
            },
            {
                title: "Certificate expires in",
                kind: "stat",
                unit: "d",
                targets: [{ expr: `(probe_ssl_earliest_cert_expiry${publicProbe} - time()) / 86400`, legend: "days" }],
                limit: { value: certificateExpiryDays.medium, below: true },
            },
        ],
    ]);
}

export interface EdgeMonitoringArgs {
    stack: string;
    monitoringNamespace: string;
    edgeNamespace: string;
    /** What the prober checks: the public /health, MLflow's /health, the object store. */
    targets: ProbeTarget[];
    verifyPublicCertificate: boolean;
    /** Where the targets are, for the prober's egress. */
    egress: { port: number; peers?: Peer[] }[];
    /** In-cluster targets that admit only listed clients: the prober is let in on their port. */
    admitProber: { name: string; namespace: string; port: number; pods: Record<string, string> }[];
    /** The web ACL whose blocked requests are brought in from CloudWatch (AWS stacks with WAF). */
    waf?: { webAclMetricName: pulumi.Output<string>; region: string; cluster: ClusterConfig; tags: Record<string, string> };
}

/** The prober, its Probe objects, the proxies' PodMonitor and the edge dashboard. */
export class EdgeMonitoring extends pulumi.ComponentResource {
    constructor(name: string, args: EdgeMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:edge:EdgeMonitoring", name, {}, opts);
        if (args.targets.length === 0) throw new Error(`${name}: at least one probe target`);
        const child = { parent: this };
        const labels = platformLabels("edge-monitoring", "monitoring", args.stack);

        const release = helmRelease(
            name,
            blackboxChart,
            {
                namespace: args.monitoringNamespace,
                timeout: 300,
                values: blackboxValues(args.verifyPublicCertificate),
            },
            child,
        );
        for (const target of args.targets) {
            const probe = probeObject(args.monitoringNamespace, target);
            new k8s.apiextensions.CustomResource(
                `${name}-${target.name}`,
                { ...probe, metadata: { ...probe.metadata, labels } },
                { parent: this, dependsOn: [release] },
            );
        }
        const monitor = proxyMonitorObject(args.edgeNamespace);
        new k8s.apiextensions.CustomResource(`${name}-envoy-proxy`, { ...monitor, metadata: { ...monitor.metadata, labels } }, child);

        const board = edgeDashboard();
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: `grafana-dashboard-${board.uid}`,
                    namespace: args.monitoringNamespace,
                    labels: { ...labels, ...dashboardLabel },
                },
                data: { [`${board.uid}.json`]: JSON.stringify(board.json) },
            },
            child,
        );

        // NetworkPolicies add up: these open what the prober and Prometheus need on top of the monitoring namespace's own.
        trafficPolicy(
            "edge-blackbox",
            {
                namespace: args.monitoringNamespace,
                labels,
                podSelector: blackboxPodLabels,
                ingress: [{ port: blackboxChart.port, peers: [prometheusPeer(args.monitoringNamespace)] }],
                egress: args.egress,
            },
            child,
        );
        trafficPolicy(
            "prometheus-to-edge",
            {
                namespace: args.monitoringNamespace,
                labels,
                podSelector: prometheusPeer(args.monitoringNamespace).pods!,
                egress: [
                    { port: blackboxChart.port, peers: [{ pods: blackboxPodLabels }] },
                    { port: envoyPorts.metrics, peers: [{ namespace: args.edgeNamespace, pods: envoyProxyPodLabels }] },
                    ...(args.waf ? [{ port: wafMetricsChart.port, peers: [{ pods: wafMetricsPodLabels }] }] : []),
                ],
            },
            child,
        );
        for (const target of args.admitProber) {
            trafficPolicy(
                `${target.name}-from-edge-blackbox`,
                {
                    namespace: target.namespace,
                    labels,
                    podSelector: target.pods,
                    ingress: [{ port: target.port, peers: [{ namespace: args.monitoringNamespace, pods: blackboxPodLabels }] }],
                },
                child,
            );
        }
        if (args.waf) this.wafMetrics(name, args, args.waf, labels);
        this.registerOutputs({});
    }

    private wafMetrics(
        name: string,
        args: EdgeMonitoringArgs,
        waf: NonNullable<EdgeMonitoringArgs["waf"]>,
        labels: Record<string, string>,
    ): void {
        const child = { parent: this };
        const role = new ServiceAccountRole(
            `${name}-waf-metrics`,
            {
                cluster: waf.cluster,
                namespace: args.monitoringNamespace,
                serviceAccount: wafMetricsChart.serviceAccount,
                // What cloudwatch_exporter calls (its README, "Credentials and permissions"); read-only, account-wide by design of CloudWatch.
                statements: [
                    {
                        Effect: "Allow",
                        Action: ["cloudwatch:ListMetrics", "cloudwatch:GetMetricStatistics", "cloudwatch:GetMetricData"],
                        Resource: "*",
                    },
                ],
                tags: waf.tags,
            },
            child,
        );
        helmRelease(
            `${name}-waf-metrics`,
            wafMetricsChart,
            {
                namespace: args.monitoringNamespace,
                timeout: 300,
                values: wafMetricsValues(
                    waf.webAclMetricName.apply((metricName) => wafMetricsConfig(waf.region, metricName)),
                    role.arn,
                ),
            },
            child,
        );
        trafficPolicy(
            "edge-waf-metrics",
            {
                namespace: args.monitoringNamespace,
                labels,
                podSelector: wafMetricsPodLabels,
                ingress: [{ port: wafMetricsChart.port, peers: [prometheusPeer(args.monitoringNamespace)] }],
                egress: [{ port: 443 }], // CloudWatch and STS
            },
            child,
        );
    }
}
