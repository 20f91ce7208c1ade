// The one chart manifest: every Helm release of the platform, its chart, repository and pinned
// version, and why that version. A chart bump is one edit here (then the values tests against
// the chart's values.yaml, docs/architecture.md). Each release is declared through helmRelease().
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

export interface ChartRelease {
    /** The Helm release name (it prefixes the chart's object names). */
    releaseName: string;
    /** The chart's name in `repo`, or an oci:// reference without a repository. */
    chart: string;
    version: string;
    repo?: string;
    /** Why this chart and version: where its values were checked. */
    why: string;
}

/** The Argo Rollouts controller that runs the detector's canary (infra/release/controller.ts). */
export const argoRollouts = {
    releaseName: "argo-rollouts",
    chart: "argo-rollouts",
    version: "2.41.0",
    repo: "https://argoproj.github.io/argo-helm",
    /** The chart's appVersion, pinned explicitly so a chart bump never changes the controller silently. */
    controllerTag: "v1.9.0",
    why: "the controller (appVersion) the canary analysis is written for; values tested against this version's values.yaml keys (tests/infra/release/controller.test.ts)",
} as const;

/** kube-prometheus-stack: Prometheus, Alertmanager, Grafana and the operator (infra/monitoring). */
export const kubePrometheusStack = {
    releaseName: "kube-prometheus-stack",
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
    why: "every value key checked against this version's values.yaml (tag kube-prometheus-stack-88.5.3); re-checked by tests/infra/monitoring/values.test.ts",
} as const;

/** The OSS Loki chart; Grafana moved it to grafana-community/helm-charts in March 2026 (the grafana/loki 7.x chart is for Enterprise Logs only). */
export const lokiChart = {
    releaseName: "loki",
    chart: "loki",
    version: "18.11.0",
    repo: "https://grafana-community.github.io/helm-charts",
    why: "the OSS chart; values and the Loki configuration blocks it passes through tested against this version (tests/infra/logging/values.test.ts)",
} as const;

/** Grafana Alloy, the log agent DaemonSet (infra/logging). */
export const alloyChart = {
    releaseName: "logs-alloy",
    chart: "alloy",
    version: "1.11.1",
    repo: "https://grafana.github.io/helm-charts",
    why: "values tested against this version's values.yaml keys (tests/infra/logging/values.test.ts)",
} as const;

/** Envoy Gateway's Helm chart, published as an OCI artifact (gateway.envoyproxy.io/docs/install/install-helm). */
export const envoyGatewayChart = {
    releaseName: "envoy-gateway",
    chart: "oci://docker.io/envoyproxy/gateway-helm",
    version: "v1.9.0",
    why: "values tested against this version's values.yaml keys (tests/infra/edge/values.test.ts)",
} as const;

/** The controller's chart (github.com/aws/eks-charts; source kubernetes-sigs/aws-load-balancer-controller helm/, tag v2.17.1). */
export const loadBalancerControllerChart = {
    releaseName: "aws-load-balancer-controller",
    chart: "aws-load-balancer-controller",
    version: "1.17.1",
    repo: "https://aws.github.io/eks-charts",
    serviceAccount: "aws-load-balancer-controller",
    ingressClass: "alb",
    why: "chart of controller v2.17.1; values tested against this version's values.yaml keys (tests/infra/edge/values.test.ts)",
} as const;

/** prometheus-community/helm-charts, charts/prometheus-blackbox-exporter (tag prometheus-blackbox-exporter-11.17.2, app v0.28.0). */
export const blackboxChart = {
    releaseName: "edge-blackbox",
    chart: "prometheus-blackbox-exporter",
    version: "11.17.2",
    repo: "https://prometheus-community.github.io/helm-charts",
    port: 9115,
    why: "app v0.28.0; values tested against this version's values.yaml keys (tests/infra/edge/values.test.ts)",
} as const;

/**
 * AWS WAF's counts live in CloudWatch (namespace AWS/WAFV2): prometheus-community/helm-charts,
 * charts/prometheus-cloudwatch-exporter (tag prometheus-cloudwatch-exporter-0.28.1, app 0.16.0)
 * brings BlockedRequests into Prometheus as aws_wafv2_blocked_requests_sum.
 */
export const wafMetricsChart = {
    releaseName: "edge-waf-metrics",
    chart: "prometheus-cloudwatch-exporter",
    version: "0.28.1",
    repo: "https://prometheus-community.github.io/helm-charts",
    serviceAccount: "edge-waf-metrics",
    port: 9106,
    why: "app 0.16.0; values tested against this version's values.yaml keys (tests/infra/edge/values.test.ts)",
} as const;

/** Sigstore's policy-controller: admits only images signed by the platform's key (infra/images/admission.ts). */
export const policyController = {
    chart: "policy-controller",
    version: "0.10.6",
    repo: "https://sigstore.github.io/helm-charts",
    releaseName: "policy-controller",
    namespace: "cosign-system",
    why: "values tested against this version's values.yaml and the ClusterImagePolicy against its CRD schema (tests/infra/images/admission.test.ts)",
} as const;

/**
 * FairwindsOps' `vpa` chart: maintained, packages the upstream VPA 1.7.1 images and CRDs.
 * Every value below is a key of its values.yaml at 5.0.0 (tests/infra/capacity/fixtures/vpa-values-keys.json).
 */
export const vpaChart = {
    releaseName: "vpa",
    chart: "vpa",
    version: "5.0.0",
    repo: "https://charts.fairwinds.com/stable",
    appVersion: "1.7.1",
    why: "packages the upstream VPA 1.7.1 images and CRDs; every value is a key of its values.yaml (tests/infra/capacity/fixtures/vpa-values-keys.json)",
} as const;

/** Every release, for a script or Renovate that bumps them; typing the list checks each entry. */
export const charts: readonly ChartRelease[] = [
    argoRollouts,
    kubePrometheusStack,
    lokiChart,
    alloyChart,
    envoyGatewayChart,
    loadBalancerControllerChart,
    blackboxChart,
    wafMetricsChart,
    policyController,
    vpaChart,
];

export interface ReleaseArgs {
    namespace: pulumi.Input<string>;
    /** Only a release that owns its namespace creates it. */
    createNamespace?: boolean;
    /** Seconds Helm waits for the release to become ready (Helm's default, 300, when unset). */
    timeout?: number;
    values: pulumi.Input<Record<string, unknown>> | object;
}

/**
 * One Helm release of a chart of the manifest: the pinned chart and repository, and a failed
 * install or upgrade is rolled back (cleanupOnFail) rather than left half-applied.
 */
export function helmRelease(
    name: string,
    release: ChartRelease,
    args: ReleaseArgs,
    opts?: pulumi.CustomResourceOptions,
): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        name,
        {
            name: release.releaseName,
            chart: release.chart,
            version: release.version,
            ...(release.repo ? { repositoryOpts: { repo: release.repo } } : {}),
            namespace: args.namespace,
            createNamespace: args.createNamespace ?? false,
            ...(args.timeout !== undefined ? { timeout: args.timeout } : {}),
            cleanupOnFail: true,
            values: args.values as pulumi.Input<Record<string, pulumi.Input<unknown>>>,
        },
        opts,
    );
}
