// The detector's canary as Argo Rollouts runs it without a traffic router: the pods of each step at
// every replica count the autoscaler allows (infra/release/replica-split.ts follows the controller).
import { canarySplits, repeatedCanarySteps } from "../../infra/release/replica-split";
import type { RenderedPlatform } from "./render";

export interface CanaryCheck {
    /** Each step's split at the autoscaler's minimum, e.g. "25 % → 1+3". */
    steps: string[];
    minReplicas: number;
    maxReplicas: number;
    findings: string[];
}

export function checkCanary(platform: RenderedPlatform): CanaryCheck {
    const objects = platform.objects.map((o) => o.object as { kind: string; metadata: { name: string }; spec?: any });
    const rollout = objects.find((o) => o.kind === "Rollout" && o.metadata.name === "detector");
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.kind === "Rollout");
    if (!rollout || !hpa)
        return { steps: [], minReplicas: 0, maxReplicas: 0, findings: ["no detector Rollout with its HorizontalPodAutoscaler"] };
    const canary = rollout.spec.strategy.canary;
    const findings: string[] = [];
    if (canary.trafficRouting !== undefined) findings.push("the Rollout routes traffic: replica splits no longer model its steps");
    if (typeof canary.maxSurge !== "number")
        findings.push(`maxSurge ${JSON.stringify(canary.maxSurge)} is not a pod count, which the model needs`);
    const weights = (canary.steps as Array<{ setWeight?: number }>).flatMap((s) => (s.setWeight === undefined ? [] : [s.setWeight]));
    const { minReplicas, maxReplicas } = hpa.spec as { minReplicas: number; maxReplicas: number };
    findings.push(...repeatedCanarySteps(weights, minReplicas, maxReplicas, canary.maxSurge));
    const splits = canarySplits(minReplicas, weights, canary.maxSurge).slice(1);
    return { steps: weights.map((w, i) => `${w} % → ${splits[i]!.canary}+${splits[i]!.stable}`), minReplicas, maxReplicas, findings };
}
