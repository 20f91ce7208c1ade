// Waiting on the detector's canary: `pulumi up` only applies the Rollout; Argo Rollouts then moves
// traffic step by step while its analysis runs. The release step reads the Rollout's status as
// Argo Rollouts documents it and returns when the release is fully promoted, or fails with the
// analysis result when it was aborted.
//
// Status fields (argoproj/argo-rollouts pkg/apis/rollouts/v1alpha1/types.go, RolloutStatus; the
// same schema @kubernetes-models/argo-rollouts is generated from):
//   status.phase            Healthy | Progressing | Paused | Degraded; "clients should only rely on
//                           the value if status.observedGeneration equals metadata.generation"
//   status.abort            true once the controller aborted the update (a failed analysis)
//   status.message          why the rollout is in its phase, e.g. "RolloutAborted: ..."
//   status.stableRS, status.currentPodHash   equal once the new version is the stable one
//   status.currentStepIndex the canary step being executed
//   status.canary.currentBackgroundAnalysisRunStatus {name, status, message}
//   status.pauseConditions[].reason  CanaryPauseStep (a timed step) | InconclusiveAnalysisRun | ...;
//                           spec.paused is an operator's `kubectl argo rollouts pause`
// `kubectl argo rollouts status` documents the same outcome: it waits "until the rollout is
// Healthy or Degraded" (https://argo-rollouts.readthedocs.io/en/stable/generated/kubectl-argo-rollouts/kubectl-argo-rollouts_status/),
// reading the phase as utils/rollout/rolloututil.go GetRolloutPhase does (v1.9.0): Progressing until
// status.observedGeneration equals metadata.generation, then status.phase and status.message. The
// abort message is conditions.RolloutAbortedReason + RolloutAbortedMessage ("RolloutAborted: Rollout
// aborted update to revision N: <analysis message>"); pause reasons are v1alpha1.PauseReason.
import { CheckFailedError } from "../cli/command";

export interface RolloutObject {
    apiVersion?: string;
    kind?: string;
    metadata?: { generation?: number };
    spec?: {
        paused?: boolean;
        template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } };
        strategy?: { canary?: { steps?: unknown[] } };
    };
    status?: {
        phase?: string;
        abort?: boolean;
        message?: string;
        observedGeneration?: string | number;
        stableRS?: string;
        currentPodHash?: string;
        currentStepIndex?: number;
        pauseConditions?: Array<{ reason?: string }>;
        canary?: { currentBackgroundAnalysisRunStatus?: { name?: string; status?: string; message?: string } };
    };
}

/** An AnalysisRun's results (status.metricResults[]: name, phase, message, measurements[].value). */
export interface AnalysisRunObject {
    status?: {
        phase?: string;
        message?: string;
        metricResults?: Array<{
            name?: string;
            phase?: string;
            message?: string;
            measurements?: Array<{ phase?: string; value?: string; message?: string }>;
        }>;
    };
}

export interface RolloutReader {
    /** `kubectl get rollout <name> -o json`, parsed. */
    rollout(): Promise<RolloutObject>;
    /** `kubectl get analysisrun <name> -o json`, parsed; undefined when it is gone. */
    analysisRun(name: string): Promise<AnalysisRunObject | undefined>;
}

export type RolloutState =
    | { state: "pending"; reason: string }
    | { state: "progressing"; step: number; steps: number; analysis?: string }
    | { state: "paused"; message: string }
    | { state: "healthy" }
    | { state: "aborted"; message: string; analysisRun?: string };

/** What the status says about the release of `image`. */
export function rolloutState(rollout: RolloutObject, image: string): RolloutState {
    const status = rollout.status ?? {};
    const running = rollout.spec?.template?.spec?.containers?.find((c) => c.name === "detector")?.image;
    if (running !== image) return { state: "pending", reason: `the Rollout runs ${running ?? "no detector image"}, not ${image} yet` };
    if (rollout.metadata?.generation === undefined || String(status.observedGeneration) !== String(rollout.metadata.generation)) {
        return { state: "pending", reason: "the controller has not observed the new generation yet" };
    }
    const analysis = status.canary?.currentBackgroundAnalysisRunStatus;
    if (status.abort || status.phase === "Degraded") {
        return { state: "aborted", message: status.message ?? "aborted", ...(analysis?.name ? { analysisRun: analysis.name } : {}) };
    }
    if (status.phase === "Healthy" && status.stableRS !== undefined && status.stableRS === status.currentPodHash)
        return { state: "healthy" };
    // A timed canary step pauses too; only an operator's pause or an inconclusive analysis waits for a human.
    const held = (status.pauseConditions ?? []).map((c) => c.reason).filter((r) => r !== "CanaryPauseStep");
    if (rollout.spec?.paused || held.length > 0) {
        return {
            state: "paused",
            message: `${[...(rollout.spec?.paused ? ["paused by an operator"] : []), ...held].join(", ")}: resume or abort it (docs/operations.md)`,
        };
    }
    return {
        state: "progressing",
        step: status.currentStepIndex ?? 0,
        steps: rollout.spec?.strategy?.canary?.steps?.length ?? 0,
        ...(analysis?.status ? { analysis: analysis.status } : {}),
    };
}

/** One line per metric of a finished AnalysisRun: its phase, last value and message. */
export function analysisSummary(run: AnalysisRunObject | undefined): string[] {
    return (run?.status?.metricResults ?? []).map((m) => {
        const last = m.measurements?.at(-1);
        return `  ${m.name}: ${m.phase}${last?.value !== undefined ? `, last value ${last.value}` : ""}${m.message ? ` (${m.message})` : ""}`;
    });
}

export interface WaitOptions {
    image: string;
    /** Give up (exit 1) after this long: the watch time plus room for pods to start. */
    timeoutSeconds: number;
    pollSeconds: number;
    log: (line: string) => void;
    sleep?: (seconds: number) => Promise<void>;
    now?: () => number;
}

/** The state in a few words, for the log and for error lines. */
export function describeRolloutState(state: RolloutState): string {
    switch (state.state) {
        case "pending":
            return `waiting: ${state.reason}`;
        case "progressing":
            return `canary step ${state.step}/${state.steps}${state.analysis ? `, analysis ${state.analysis}` : ""}`;
        case "paused":
            return `paused: ${state.message}`;
        case "healthy":
            return "fully promoted";
        case "aborted":
            return `aborted: ${state.message}`;
    }
}

/** Failed reads of the Rollout in a row that waitForRollout rides out, and its longest pause between two. */
const readRetries = 5;
const maxBackoffSeconds = 300;

/** Polls until the release is fully promoted (resolves) or aborted (throws with the analysis result). */
export async function waitForRollout(reader: RolloutReader, options: WaitOptions): Promise<void> {
    const sleep = options.sleep ?? ((s: number) => new Promise<void>((r) => setTimeout(r, s * 1000)));
    const now = options.now ?? Date.now;
    const deadline = now() + options.timeoutSeconds * 1000;
    let last = "";
    let failures = 0;
    for (;;) {
        let object: RolloutObject;
        try {
            object = await reader.rollout();
            failures = 0;
        } catch (error) {
            // One API hiccup (a timeout, an expired token being refreshed, a controller restart)
            // must not end a 15-40 minute watch: retry with backoff, give up after a few in a row.
            failures++;
            const message = (error as Error).message.split("\n")[0];
            if (failures > readRetries || now() >= deadline) {
                throw new Error(
                    `lost the Rollout after ${failures} failed reads in a row: ${message}; watch it with kubectl argo rollouts get rollout detector`,
                    { cause: error },
                );
            }
            const wait = Math.min(Math.max(options.pollSeconds, 1) * 2 ** failures, maxBackoffSeconds);
            options.log(`rollout: reading the Rollout failed (${failures}/${readRetries}), retrying in ${wait} s: ${message}`);
            await sleep(wait);
            continue;
        }
        const state = rolloutState(object, options.image);
        const line = describeRolloutState(state);
        if (line !== last) options.log(`rollout: ${line}`);
        last = line;
        if (state.state === "healthy") return;
        if (state.state === "aborted") {
            // The pipeline's log carries the analysis result; the error line says what failed.
            const run = state.analysisRun ? await reader.analysisRun(state.analysisRun) : undefined;
            for (const l of analysisSummary(run)) options.log(l);
            throw new CheckFailedError(`rollout aborted, traffic is back on the stable version: ${state.message}`);
        }
        if (now() >= deadline) {
            throw new CheckFailedError(
                `rollout not finished after ${options.timeoutSeconds} s (${line}); watch it with kubectl argo rollouts get rollout detector -n pneumonia`,
            );
        }
        await sleep(options.pollSeconds);
    }
}
