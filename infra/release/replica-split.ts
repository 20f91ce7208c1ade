// How many canary and stable pods Argo Rollouts runs at each canary step when no traffic router is
// set: the traffic share IS the replica share, so two weights that round to the same split are one
// step watched twice. Follows argoproj/argo-rollouts v1.9.0 (the controller chart 2.41.0 ships),
// utils/replicaset/canary.go: CalculateReplicaCountsForBasicCanary's desired counts come from
// approximateWeightedCanaryStableReplicaCounts(spec.replicas, setWeight, maxWeight = 100, maxSurge)
// (utils/weightutil/weight.go MaxTrafficWeight: 100 without traffic routing).

/** The pods each side runs once a step has settled. */
export interface ReplicaSplit {
    canary: number;
    stable: number;
}

/** floorCeilingTied: replicas × weight lies exactly half-way between two whole pod counts. */
function tied(weight: number, totalReplicas: number): boolean {
    // As the controller computes it (replicas × (weight / 100) in float64), so float rounding matches too.
    return (totalReplicas * (weight / 100)) % 1 === 0.5;
}

/** weightDelta: how far a split's real share is from the weight asked for. */
function delta(weight: number, canary: number, total: number): number {
    return Math.abs((canary * 100) / total - weight);
}

/**
 * approximateWeightedCanaryStableReplicaCounts: the closest split to `weight` over `replicas` pods,
 * or `replicas` + 1 when a surge is allowed; between 1 and 99 % both sides keep at least one pod.
 */
export function replicaSplit(replicas: number, weight: number, maxSurge: number): ReplicaSplit {
    if (replicas === 0) return { canary: 0, stable: 0 };
    const ceil = Math.ceil((replicas * weight) / 100);
    const floor = Math.floor((replicas * weight) / 100);
    const zeroAllowed = weight === 100 || weight === 0 || (replicas === 1 && maxSurge === 0);
    const options: Array<{ canary: number; total: number }> = [];
    if (ceil < replicas || zeroAllowed) options.push({ canary: ceil, total: replicas });
    if (!tied(weight, replicas) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas });
    if (maxSurge > 0) {
        options.push({ canary: ceil, total: replicas + 1 });
        if (!tied(weight, replicas + 1) && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: replicas + 1 });
    }
    if (options.length === 0) return { canary: 0, stable: replicas };
    // The first strictly closer option wins, as in the controller's loop.
    let best = options[0]!;
    for (const option of options.slice(1))
        if (delta(weight, option.canary, option.total) < delta(weight, best.canary, best.total)) best = option;
    return { canary: best.canary, stable: best.total - best.canary };
}

/** The split before the release (all stable), at each `setWeight` step, in order. */
export function canarySplits(replicas: number, weights: number[], maxSurge: number): ReplicaSplit[] {
    return [{ canary: 0, stable: replicas }, ...weights.map((weight) => replicaSplit(replicas, weight, maxSurge))];
}

/**
 * The steps that repeat the previous step's split at some replica count the autoscaler may choose
 * (`minReplicas`..`maxReplicas`): one line each, naming the count and the weights.
 */
export function repeatedCanarySteps(weights: number[], minReplicas: number, maxReplicas: number, maxSurge: number): string[] {
    const problems: string[] = [];
    for (let replicas = minReplicas; replicas <= maxReplicas; replicas++) {
        const splits = canarySplits(replicas, weights, maxSurge);
        for (let i = 1; i < splits.length; i++) {
            const [before, now] = [splits[i - 1]!, splits[i]!];
            if (before.canary === now.canary && before.stable === now.stable) {
                const previous = i === 1 ? "no canary" : `${weights[i - 2]} %`;
                problems.push(
                    `at ${replicas} replicas, ${weights[i - 1]} % runs the same ${now.canary} canary + ${now.stable} stable pods as ${previous}`,
                );
            }
        }
    }
    return problems;
}
