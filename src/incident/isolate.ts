// `incident isolate` and `incident release`: take a pod out of service and out of the network
// without destroying it, and put it back. Isolation is one label patch: every label the pod had is
// removed (its ReplicaSet or Rollout stops counting it and starts a replacement, Services drop it
// from their endpoints, the workload's NetworkPolicies no longer select it) and the quarantine label
// is set, which the stack's pre-declared quarantine NetworkPolicy selects (infra/security/quarantine.ts).
// The labels are first saved in an annotation, so release restores exactly what was there.
import { quarantineAnnotations, quarantineLabel, quarantinePolicyName } from "../../infra/security/quarantine";
import { CheckFailedError, UsageError } from "../cli/command";
import type { ClusterAccess } from "../health/port-forward";
import { kubectl, kubectlJson } from "../release/kubectl";

export interface PodObject {
    metadata: {
        name: string;
        namespace: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        ownerReferences?: { kind: string; name: string; apiVersion: string }[];
    };
    spec: { nodeName?: string; volumes?: unknown[] };
    status?: { containerStatuses?: { name: string; image: string; imageID: string }[] };
}

export interface Target {
    access: ClusterAccess;
    namespace: string;
    pod: string;
}

/** A label value Kubernetes accepts, for the incident id the quarantine label carries. */
export const incidentId = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

export async function readPod(target: Target): Promise<PodObject> {
    const { found, object } = await kubectlJson(target.access, ["--namespace", target.namespace, "get", "pod", target.pod]);
    if (!found) throw new UsageError(`no pod ${target.namespace}/${target.pod} in the stack's cluster`);
    return object as PodObject;
}

export interface Outcome {
    /** What was done, one line each, in order. */
    done: string[];
    /** The command that undoes it. */
    undo?: string;
}

/** `kubectl auth can-i patch <resource>`: answers "no" with exit 1, which becomes a one-line refusal. */
async function mayPatch(access: ClusterAccess, resource: string[]): Promise<void> {
    try {
        await kubectl(access, ["auth", "can-i", "patch", ...resource]);
    } catch {
        throw new UsageError(
            `kubectl refuses: you may not patch ${resource[0]}${resource[2] ? ` in namespace ${resource[2]}` : ""}; nothing changed`,
        );
    }
}

export async function isolate(target: Target, options: { incident?: string; cordon: boolean; undo: string }): Promise<Outcome> {
    const { access, namespace, pod } = target;
    const object = await readPod(target);
    const labels = object.metadata.labels ?? {};
    if (labels[quarantineLabel] !== undefined)
        return {
            done: [`pod ${namespace}/${pod} is already isolated (incident ${labels[quarantineLabel]}); nothing changed`],
            undo: options.undo,
        };
    // Without the pre-declared policy, stripping labels would leave the pod unselected by any allow
    // rule but still under nothing that isolates it from the forensics namespace: refuse, change nothing.
    const policy = await kubectlJson(access, ["--namespace", namespace, "get", "networkpolicy", quarantinePolicyName]);
    if (!policy.found)
        throw new CheckFailedError(
            `no NetworkPolicy ${namespace}/${quarantinePolicyName}: the stack's quarantine is not deployed (infra/security); nothing changed`,
        );
    const node = object.spec.nodeName;
    if (options.cordon && !node)
        throw new CheckFailedError(`pod ${namespace}/${pod} has no node to cordon (not scheduled); nothing changed`);
    // Asked before anything changes, so a responder without a right gets a refusal, not half an isolation.
    await mayPatch(access, ["pods", "--namespace", namespace]);
    if (options.cordon) await mayPatch(access, ["nodes"]);
    const done: string[] = [];
    const pods = ["--namespace", namespace];
    const annotations = [
        `${quarantineAnnotations.labels}=${JSON.stringify(labels)}`,
        `${quarantineAnnotations.at}=${new Date().toISOString()}`,
        ...(options.cordon && node ? [`${quarantineAnnotations.node}=${node}`] : []),
    ];
    await kubectl(access, [...pods, "annotate", "pod", pod, ...annotations]);
    done.push(`saved the pod's ${Object.keys(labels).length} labels in its annotation ${quarantineAnnotations.labels}`);
    await kubectl(access, [
        ...pods,
        "label",
        "pod",
        pod,
        "--overwrite",
        `${quarantineLabel}=${options.incident ?? "unassigned"}`,
        ...Object.keys(labels).map((k) => `${k}-`),
    ]);
    done.push(
        `relabelled pod ${namespace}/${pod}: its owner and Services no longer select it, NetworkPolicy ${quarantinePolicyName} denies all egress and admits ingress only from the forensics namespace`,
    );
    if (options.cordon && node) {
        await kubectl(access, ["cordon", node]);
        done.push(`cordoned node ${node}: nothing new is scheduled there`);
    }
    return { done, undo: options.undo };
}

export async function release(target: Target, options: { undo: string }): Promise<Outcome> {
    const { access, namespace, pod } = target;
    const object = await readPod(target);
    const annotations = object.metadata.annotations ?? {};
    if (object.metadata.labels?.[quarantineLabel] === undefined)
        throw new CheckFailedError(`pod ${namespace}/${pod} is not isolated (no ${quarantineLabel} label)`);
    let labels: Record<string, string>;
    try {
        labels = JSON.parse(annotations[quarantineAnnotations.labels] ?? "");
    } catch {
        throw new CheckFailedError(
            `pod ${namespace}/${pod}: annotation ${quarantineAnnotations.labels} is missing or not JSON; restore its labels by hand`,
        );
    }
    const pods = ["--namespace", namespace];
    const done: string[] = [];
    await kubectl(access, [
        ...pods,
        "label",
        "pod",
        pod,
        "--overwrite",
        `${quarantineLabel}-`,
        ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ]);
    done.push(
        `restored pod ${namespace}/${pod}'s ${Object.keys(labels).length} labels: its owner adopts it again (and may scale one pod down), Services send it traffic once ready`,
    );
    const node = annotations[quarantineAnnotations.node];
    if (node) {
        await kubectl(access, ["uncordon", node]);
        done.push(`uncordoned node ${node}`);
    }
    await kubectl(access, [...pods, "annotate", "pod", pod, ...Object.values(quarantineAnnotations).map((a) => `${a}-`)]);
    done.push("removed the quarantine annotations");
    return { done, undo: options.undo };
}
