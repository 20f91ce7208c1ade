// The detector's canary: the Rollout and AnalysisTemplate as the API server would take them
// (@kubernetes-models/argo-rollouts, generated from Argo Rollouts' CRDs), the watch lengths per
// stack, and the analysis queries evaluated by promtool against synthetic canary and stable series.
// Argo Rollouts' canary steps and background analysis:
// https://argo-rollouts.readthedocs.io/en/stable/features/canary/ and .../features/analysis/
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { objectives, releaseWatch } from "../../../infra/observability/objectives";
import { runTool } from "../../../infra/monitoring/promtool";
import { testBuckets } from "../../../infra/monitoring/series";
import { counterValues, type InputSeries, series } from "../../../infra/observability/series";
import { canaryHashArg, canaryMetrics, canaryPods, promqlCheck } from "../../../infra/release/analysis";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { at, plan, resource } from "../../helpers/plan";
import { scratchDir, stackConfig } from "../monitoring/helpers";

const rolloutType = "kubernetes:argoproj.io/v1alpha1:Rollout";
const templateType = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";

/** Seconds the canary spends in its pause steps: the analysis watches the release that long. */
function watchedSeconds(steps: Array<{ pause?: { duration: string } }>): number {
    return steps.reduce((sum, s) => sum + (s.pause ? Number(/^(\d+)s$/.exec(s.pause.duration)![1]) : 0), 0);
}

describe("release: the detector's canary", () => {
    for (const stack of ["local", "staging", "production"]) {
        it(`renders a valid Rollout and AnalysisTemplate (${stack})`, async () => {
            const p = await plan(stack);
            await validateKubernetesObject(resource(p, rolloutType, "detector").inputs);
            await validateKubernetesObject(resource(p, templateType, "detector-canary-analysis").inputs);
        });
    }

    it("rejects what the Rollout schema rejects", async () => {
        const rollout = structuredClone(resource(await plan("production"), rolloutType, "detector").inputs) as {
            spec: { strategy: { canary: { steps: unknown[] } } };
        };
        rollout.spec.strategy.canary.steps[0] = { setWeight: "ten" };
        await assert.rejects(validateKubernetesObject(rollout), /setWeight/);
    });

    it("watches a production release for the manual's 15 minutes in 25/50/75 % steps, a hotfix for 30", async () => {
        const normal = at(resource(await plan("production"), rolloutType, "detector").inputs, "spec.strategy.canary");
        assert.deepEqual(
            normal.steps.filter((s: { setWeight?: number }) => s.setWeight).map((s: { setWeight: number }) => s.setWeight),
            [25, 50, 75],
        );
        assert.equal(watchedSeconds(normal.steps), releaseWatch.normalMinutes * 60);
        const hotfix = at(
            resource(await plan("production", { overrides: { release: { hotfix: true } } }), rolloutType, "detector").inputs,
            "spec.strategy.canary",
        );
        assert.equal(watchedSeconds(hotfix.steps), releaseWatch.hotfixMinutes * 60);
    });

    it("runs staging through the same steps, faster", async () => {
        const staging = at(resource(await plan("staging"), rolloutType, "detector").inputs, "spec.strategy.canary.steps");
        assert.ok(watchedSeconds(staging) < releaseWatch.normalMinutes * 60);
        assert.ok(watchedSeconds(staging) > 0);
    });

    it("analyses the canary's own pods from the first step, with the hash of the newest ReplicaSet", async () => {
        const canary = at(resource(await plan("production"), rolloutType, "detector").inputs, "spec.strategy.canary");
        assert.deepEqual(canary.analysis, {
            templates: [{ templateName: "detector-canary" }],
            args: [{ name: canaryHashArg, valueFrom: { podTemplateHashValue: "Latest" } }],
            startingStep: 1,
        });
    });

    it("keeps scraping stable and canary pods through one Service, and gives the load test the newest version's", async () => {
        const p = await plan("production");
        const rollout = resource(p, rolloutType, "detector").inputs;
        const selectorOfPods = at(rollout, "spec.selector.matchLabels");
        const service = resource(p, "kubernetes:core/v1:Service", "detector").inputs;
        const canaryService = resource(p, "kubernetes:core/v1:Service", "detector-canary").inputs;
        // Argo adds rollouts-pod-template-hash only to the canaryService's selector; `detector` selects every version.
        assert.deepEqual(at(service, "spec.selector"), selectorOfPods);
        assert.deepEqual(at(canaryService, "spec.selector"), selectorOfPods);
        assert.equal(at(rollout, "spec.strategy.canary.canaryService"), "detector-canary");
        const monitor = p.resources.find(
            (r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" && (r.inputs as any).metadata.name === "detector",
        )!.inputs as any;
        const selects = (labels: Record<string, string>) =>
            Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => labels[k] === v);
        assert.ok(selects(at(service, "metadata.labels")), "the ServiceMonitor scrapes through detector");
        assert.ok(!selects(at(canaryService, "metadata.labels")), "and not a second time through detector-canary");
    });

    it("takes its thresholds from the manual and queries the stack's Prometheus", async () => {
        const template = resource(await plan("production"), templateType, "detector-canary-analysis").inputs;
        const metrics = at(template, "spec.metrics") as Array<{
            name: string;
            successCondition: string;
            provider: { prometheus: { address: string } };
        }>;
        const condition = (name: string) => metrics.find((m) => m.name === name)!.successCondition;
        assert.match(condition("error-rate"), new RegExp(`result\\[0\\] < ${objectives.errorRate}\\)$`));
        assert.match(condition("success-rate"), new RegExp(`result\\[0\\] > ${objectives.inferenceSuccessRate}\\)$`));
        assert.match(condition("latency-p95"), new RegExp(`result\\[0\\] < ${objectives.latencySeconds}\\)$`));
        assert.match(condition("restarts"), /result\[0\] < 1\)$/);
        for (const m of metrics) assert.equal(m.provider.prometheus.address, "http://kube-prometheus-stack-prometheus.monitoring.svc:9090");
    });
});

describe("release: canary analysis queries under promtool", function () {
    this.timeout(60_000);
    const config = stackConfig("production").monitoring;
    const m = config.detector;
    const namespace = "pneumonia";
    const metrics = canaryMetrics(m, namespace);
    const canaryPod = "detector-6c9f7d8b5d-x2k9p";
    const stablePod = "detector-7f5b9c6d44-q8r3t";
    const pods = canaryPods("detector", "6c9f7d8b5d");
    const steps = 21; // 10 minutes of 30 s samples

    /** One pod's traffic as its /metrics exposes it, scraped through the ServiceMonitor (job, namespace, pod). */
    function podTraffic(pod: string, perStep: number, errorRatio: number, seconds: number, restarts = 0): InputSeries[] {
        const labels = { job: m.job, namespace, pod, instance: `${pod}:9090` };
        const counter = (v: number) => counterValues([{ steps, value: v }]);
        return [
            series(m.inferenceTotal, labels, counter(perStep)),
            series(m.errorTotal, labels, counter(perStep * errorRatio)),
            ...testBuckets.map((le) =>
                series(`${m.inferenceDuration}_bucket`, { ...labels, le }, counter(seconds <= Number(le) ? perStep : 0)),
            ),
            // Restarts (if any) happen within the last minute.
            series(
                "kube_pod_container_status_restarts_total",
                { namespace, pod, container: "detector", job: "kube-state-metrics" },
                `0x${steps - 3} ${restarts}x1`,
            ),
        ];
    }

    /** promtool's verdict per metric: 1 passes, 0 fails (the measurement Argo would take at 10 m). */
    async function verdicts(canary: InputSeries[]): Promise<Record<string, number>> {
        const dir = scratchDir("canary-analysis");
        // The stable version fails every check: only the canary's pods may count.
        const input = [...canary, ...podTraffic(stablePod, 30, 0.2, 4, 3)];
        const holds = async (metric: (typeof metrics)[number], value: number, file: string) => {
            const test = {
                interval: "30s",
                input_series: input,
                promql_expr_test: [{ expr: promqlCheck(metric, pods), eval_time: "10m", exp_samples: [{ labels: "{}", value }] }],
            };
            writeFileSync(join(dir.path, file), stringify({ rule_files: [], evaluation_interval: "30s", tests: [test] }, { lineWidth: 0 }));
            return (await runTool("promtool", ["test", "rules", file], dir.path)).code === 0;
        };
        try {
            const results: Record<string, number> = {};
            for (const metric of metrics) {
                const passes = await holds(metric, 1, `${metric.name}-pass.yaml`);
                const fails = await holds(metric, 0, `${metric.name}-fail.yaml`);
                assert.notEqual(passes, fails, `${metric.name}: exactly one verdict`);
                results[metric.name] = passes ? 1 : 0;
            }
            return results;
        } finally {
            dir.remove();
        }
    }

    it("passes a healthy canary (0.5 % errors, 0.3 s)", async () => {
        assert.deepEqual(await verdicts(podTraffic(canaryPod, 10, 0.005, 0.3)), {
            "error-rate": 1,
            "success-rate": 1,
            "latency-p95": 1,
            restarts: 1,
        });
    });

    it("fails a canary with 3 % errors on error rate and success rate", async () => {
        assert.deepEqual(await verdicts(podTraffic(canaryPod, 10, 0.03, 0.3)), {
            "error-rate": 0,
            "success-rate": 0,
            "latency-p95": 1,
            restarts: 1,
        });
    });

    it("fails a canary whose p95 is 2.5 s", async () => {
        assert.deepEqual(await verdicts(podTraffic(canaryPod, 10, 0, 2.5)), {
            "error-rate": 1,
            "success-rate": 1,
            "latency-p95": 0,
            restarts: 1,
        });
    });

    it("fails a canary whose container restarted", async () => {
        assert.deepEqual(await verdicts(podTraffic(canaryPod, 10, 0, 0.3, 2)), {
            "error-rate": 1,
            "success-rate": 1,
            "latency-p95": 1,
            restarts: 0,
        });
    });
});
