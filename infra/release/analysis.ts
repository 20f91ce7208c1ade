// The canary's analysis: what Argo Rollouts measures on the canary pods, against the manual's
// thresholds (infra/observability/objectives.ts), while a release moves through its traffic steps. One definition per
// metric gives both the AnalysisTemplate (Prometheus provider, success condition in Argo's expr
// language) and the equivalent PromQL comparison promtool evaluates against synthetic series.
//
// Argo Rollouts, analysis: https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
// Prometheus provider: https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/
import type { DetectorMetrics } from "../monitoring/config";
import { selector } from "../observability/rules";
import { objectives } from "../observability/objectives";

/** The analysis argument carrying the canary ReplicaSet's pod-template hash (valueFrom.podTemplateHashValue: Latest). */
export const canaryHashArg = "canary-hash";

/** How often a measurement is taken, and the rate window each one looks through. */
export const measurement = { interval: "1m", window: "2m" } as const;

export interface CanaryMetric {
    name: string;
    /** PromQL over the canary's pods; `pods` is a regex on the `pod` label. */
    query: (pods: string) => string;
    /** The measurement passes when `value <op> threshold`. */
    op: "<" | ">";
    threshold: number;
    /** Failed measurements tolerated before the analysis (and the rollout) is aborted. */
    failureLimit: number;
    /** What the manual says, for the docs and the pipeline log. */
    objective: string;
}

/**
 * The canary's pods: a Rollout names its ReplicaSets `<rollout>-<pod-template-hash>` and their pods
 * `<replicaset>-<suffix>` (as Deployments do), and the Prometheus Operator labels every target scraped
 * through a ServiceMonitor with its `pod`. So the stable version's pods never count against the canary.
 */
export function canaryPods(rollout: string, hash: string): string {
    return `${rollout}-${hash}-.*`;
}

export function canaryMetrics(m: DetectorMetrics, namespace: string): CanaryMetric[] {
    const sel = (pods: string) => selector({ job: m.job, namespace }).replace(/}$/, `,pod=~${JSON.stringify(pods)}}`);
    const rate = (metric: string, pods: string) => `sum(rate(${metric}${sel(pods)}[${measurement.window}]))`;
    return [
        {
            name: "error-rate",
            query: (pods) => `${rate(m.errorTotal, pods)}\n/\n${rate(m.inferenceTotal, pods)}`,
            op: "<",
            threshold: objectives.errorRate,
            failureLimit: 1,
            objective: "Error Rate < 1 %",
        },
        {
            name: "success-rate",
            query: (pods) => `(${rate(m.inferenceTotal, pods)} - ${rate(m.errorTotal, pods)})\n/\n${rate(m.inferenceTotal, pods)}`,
            op: ">",
            threshold: objectives.inferenceSuccessRate,
            failureLimit: 1,
            objective: "Inference Success Rate > 99 %",
        },
        {
            name: "latency-p95",
            query: (pods) =>
                `histogram_quantile(0.95, sum by (le) (rate(${m.inferenceDuration}_bucket${sel(pods)}[${measurement.window}])))`,
            op: "<",
            threshold: objectives.latencySeconds,
            failureLimit: 1,
            objective: "inference latency p95 < 2 s",
        },
        {
            // kube-state-metrics' counter; `or vector(0)`: a pod that never restarted may have no increase yet.
            name: "restarts",
            query: (pods) =>
                `sum(increase(kube_pod_container_status_restarts_total${selector({ namespace, container: "detector" }).replace(/}$/, `,pod=~${JSON.stringify(pods)}}`)}[${measurement.window}])) or vector(0)`,
            op: "<",
            threshold: 1,
            failureLimit: 0,
            objective: "no pod restarts",
        },
    ];
}

/**
 * Argo's success condition (expr-lang, with `isNaN` and `isInf` in its environment: argo-rollouts
 * v1.9.0 utils/evaluate/evaluate.go): a vector query's result is an array, its first sample `result[0]`. A
 * ratio over a window without requests is NaN (0/0): no traffic is no evidence against the canary,
 * so it passes; an empty result (the canary's pods not scraped at all) fails.
 */
export function successCondition(metric: CanaryMetric): string {
    return `len(result) == 1 && (isNaN(result[0]) || result[0] ${metric.op} ${metric.threshold})`;
}

/** The same condition in PromQL, 1 when the measurement passes and 0 when it fails, for promtool. */
export function promqlCheck(metric: CanaryMetric, pods: string): string {
    return `(${metric.query(pods)}) ${metric.op} bool ${metric.threshold}`;
}

export interface AnalysisTemplateArgs {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    rollout: string;
    metrics: CanaryMetric[];
    prometheusUrl: string;
}

/** An `argoproj.io/v1alpha1` AnalysisTemplate measuring every metric until the rollout completes (background analysis). */
export function analysisTemplate(args: AnalysisTemplateArgs): Record<string, unknown> {
    const pods = canaryPods(args.rollout, `{{args.${canaryHashArg}}}`);
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
        spec: {
            args: [{ name: canaryHashArg }],
            metrics: args.metrics.map((metric) => ({
                name: metric.name,
                // No count: a background analysis measures until the rollout finishes, or fails it.
                interval: measurement.interval,
                // The first rate needs a window of the canary's samples.
                initialDelay: measurement.window,
                failureLimit: metric.failureLimit,
                successCondition: successCondition(metric),
                provider: { prometheus: { address: args.prometheusUrl, query: metric.query(pods) } },
            })),
        },
    };
}
