// A stand-in for the Argo Rollouts controller as seen through `kubectl get rollout -o json`: after
// the fake stack's `pulumi up` it reports the documented status fields
// (argoproj/argo-rollouts pkg/apis/rollouts/v1alpha1/types.go, RolloutStatus and AnalysisRunStatus)
// the way the controller moves them: the new generation unobserved first, then the canary steps
// (phase Paused with a CanaryPauseStep condition during each timed pause, the background
// AnalysisRun Running), then either Healthy with stableRS = currentPodHash, or, when the analysis
// fails, abort: true, phase Degraded and the controller's RolloutAborted message. Before any
// `up`, the Rollout runs the image the stack had: a release is never reported for an image that
// was not applied.
import type { AnalysisRunObject, RolloutObject, RolloutReader } from "../../../src/release/rollout";
import { fakeStack, type FakeStack } from "./fake-stack";

const stableHash = "7f5b9c6d44";
const canaryHash = "6c9f7d8b5d";
const analysisRun = `detector-${canaryHash}-2`;

const abortedStatus = {
    phase: "Degraded",
    abort: true,
    message:
        'RolloutAborted: Rollout aborted update to revision 2: Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
    canary: {
        currentBackgroundAnalysisRunStatus: {
            name: analysisRun,
            status: "Failed",
            message: 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
        },
    },
};

export type Outcome = { kind: "promotes" } | { kind: "aborts"; atStep: number } | { kind: "held"; reason: string };

/** `before`: the Rollout's state on the stack's image before any `up` (a canary aborted earlier: abort, Degraded, stable pods on the old hash). */
export function fakeRollout(
    stack: FakeStack,
    outcome: Outcome,
    steps = 6,
    before: "healthy" | "aborted" = "healthy",
): RolloutReader & { polls: number } {
    const initialImage = stack.config.get("detector.image");
    let polls = 0;
    let upsSeen = 0;
    let since = 0;
    const status = (): RolloutObject => {
        polls++;
        if (stack.ups.length !== upsSeen) {
            upsSeen = stack.ups.length;
            since = polls;
        }
        const released = upsSeen > 0;
        const image = released ? stack.config.get("detector.image") : initialImage;
        const template = {
            template: { spec: { containers: [{ name: "detector", image }] } },
            strategy: { canary: { steps: new Array(steps).fill({}) } },
        };
        const stable = { phase: "Healthy", stableRS: stableHash, currentPodHash: stableHash };
        if (!released && before === "aborted") {
            return {
                metadata: { generation: 1 },
                spec: template,
                status: { ...abortedStatus, observedGeneration: "1", stableRS: stableHash, currentPodHash: canaryHash },
            };
        }
        if (!released) return { metadata: { generation: 1 }, spec: template, status: { ...stable, observedGeneration: "1" } };
        const age = polls - since; // 0: the controller has not observed the new generation yet
        if (age === 0) return { metadata: { generation: 2 }, spec: template, status: { ...stable, observedGeneration: "1" } };
        const step = Math.min(age - 1, steps);
        const observed = { observedGeneration: "2", currentPodHash: canaryHash, stableRS: stableHash, currentStepIndex: step };
        if (outcome.kind === "aborts" && step >= outcome.atStep) {
            return {
                metadata: { generation: 2 },
                spec: template,
                status: { ...observed, ...abortedStatus },
            };
        }
        if (outcome.kind === "held" && step >= 1) {
            return {
                metadata: { generation: 2 },
                spec: template,
                status: { ...observed, phase: "Paused", pauseConditions: [{ reason: outcome.reason }], message: outcome.reason },
            };
        }
        if (step >= steps)
            return { metadata: { generation: 2 }, spec: template, status: { ...observed, phase: "Healthy", stableRS: canaryHash } };
        return {
            metadata: { generation: 2 },
            spec: template,
            status: {
                ...observed,
                phase: step % 2 === 1 ? "Paused" : "Progressing",
                ...(step % 2 === 1 ? { pauseConditions: [{ reason: "CanaryPauseStep" }] } : {}),
                canary: { currentBackgroundAnalysisRunStatus: { name: analysisRun, status: "Running" } },
            },
        };
    };
    const reader = {
        get polls() {
            return polls;
        },
        // As `kubectl get rollout -o json` prints it: apiVersion and kind first.
        rollout: async (): Promise<RolloutObject> => ({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", ...status() }),
        analysisRun: async (name: string): Promise<AnalysisRunObject | undefined> => {
            if (name !== analysisRun) return undefined;
            return {
                status: {
                    phase: "Failed",
                    message: 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)',
                    metricResults: [
                        {
                            name: "error-rate",
                            phase: "Failed",
                            measurements: [
                                { phase: "Failed", value: "[0.031]" },
                                { phase: "Failed", value: "[0.034]" },
                            ],
                        },
                        { name: "latency-p95", phase: "Running", measurements: [{ phase: "Successful", value: "[0.41]" }] },
                    ],
                },
            };
        },
    };
    return reader;
}

/** A Rollout that finished with `image`: fully promoted and healthy, or its canary aborted (stable pods on the old image). */
export function settledRollout(image: string, state: "healthy" | "aborted"): RolloutReader {
    return fakeRollout(fakeStack("staging", { config: { "detector.image": image } }), { kind: "promotes" }, 6, state);
}
