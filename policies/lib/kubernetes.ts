// Reading Kubernetes objects the way the API server would: pod templates of every workload kind,
// label selectors, namespaces, HPA-driven replica counts.
import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";

export type PodSpec = pulumi.Unwrap<k8s.types.input.core.v1.PodSpec>;
export type Container = pulumi.Unwrap<k8s.types.input.core.v1.Container>;
export type ObjectMeta = pulumi.Unwrap<k8s.types.input.meta.v1.ObjectMeta>;
export type LabelSelector = pulumi.Unwrap<k8s.types.input.meta.v1.LabelSelector>;

/** A resource class as CrossGuard's `isType` takes it (any constructor of a Resource). */
export type ResourceClass = Parameters<PolicyResource["isType"]>[0];

/** Anything the engine lets a policy ask "is this a …?": resource args and stack resources. */
export interface Typed {
    isType(resourceClass: ResourceClass): boolean;
}

/** Helm releases (v3 Release) and charts (v4 Chart): their objects are rendered by the provider, unseen here. */
export const helmTypes = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"];

/** Every kind that carries a pod template, with where the template sits. */
const workloadKinds = [
    { kind: "Deployment", resourceClass: k8s.apps.v1.Deployment, template: ["spec", "template"], longRunning: true },
    { kind: "StatefulSet", resourceClass: k8s.apps.v1.StatefulSet, template: ["spec", "template"], longRunning: true },
    { kind: "DaemonSet", resourceClass: k8s.apps.v1.DaemonSet, template: ["spec", "template"], longRunning: true },
    { kind: "ReplicaSet", resourceClass: k8s.apps.v1.ReplicaSet, template: ["spec", "template"], longRunning: true },
    { kind: "Job", resourceClass: k8s.batch.v1.Job, template: ["spec", "template"], longRunning: false },
    { kind: "CronJob", resourceClass: k8s.batch.v1.CronJob, template: ["spec", "jobTemplate", "spec", "template"], longRunning: false },
    { kind: "Pod", resourceClass: k8s.core.v1.Pod, template: [], longRunning: true },
] as const;

/** Argo Rollouts' Rollout (a custom resource, so recognised by apiVersion and kind): a Deployment with a canary strategy. */
const rolloutKind = { kind: "Rollout", template: ["spec", "template"], longRunning: true } as const;

export type WorkloadKind = (typeof workloadKinds)[number]["kind"] | typeof rolloutKind.kind;

export interface Workload {
    kind: WorkloadKind;
    /** Serves requests until replaced (as opposed to a Job that runs to completion). */
    longRunning: boolean;
    metadata: ObjectMeta;
    podMetadata: ObjectMeta;
    pod: PodSpec;
}

/** The workload view of a resource, or undefined for anything without a pod template. */
export function workloadOf(resource: Typed & { props: Record<string, unknown> }): Workload | undefined {
    const props = resource.props as { apiVersion?: unknown; kind?: unknown; metadata?: ObjectMeta; spec?: PodSpec } | undefined;
    const isRollout = props?.apiVersion === "argoproj.io/v1alpha1" && props?.kind === rolloutKind.kind;
    const found = isRollout ? rolloutKind : workloadKinds.find((w) => resource.isType(w.resourceClass));
    if (!found) return undefined;
    type Template = { metadata?: ObjectMeta; spec?: PodSpec };
    const template = (found.template.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], props) ??
        {}) as Template;
    return {
        kind: found.kind,
        longRunning: found.longRunning,
        metadata: props!.metadata ?? {},
        podMetadata: found.kind === "Pod" ? (props!.metadata ?? {}) : (template.metadata ?? {}),
        pod: (found.kind === "Pod" ? props!.spec : template.spec) ?? ({} as PodSpec),
    };
}

/** Containers the kubelet runs, with their role for messages. */
export function containersOf(pod: PodSpec): { container: Container; role: "container" | "init container" }[] {
    return [
        ...(pod.initContainers ?? []).map((container) => ({ container, role: "init container" as const })),
        ...(pod.containers ?? []).map((container) => ({ container, role: "container" as const })),
    ];
}

export function namespaceOf(metadata: ObjectMeta | undefined): string {
    return metadata?.namespace ?? "default";
}

/** `matchLabels` and `matchExpressions` as the API server evaluates them; an empty selector matches all. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
    const actual = labels ?? {};
    for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
        if (actual[key] !== value) return false;
    }
    for (const expression of selector?.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(actual, expression.key);
        const values = expression.values ?? [];
        const ok = {
            In: has && values.includes(actual[expression.key]),
            NotIn: !has || !values.includes(actual[expression.key]),
            Exists: has,
            DoesNotExist: !has,
        }[expression.operator as "In" | "NotIn" | "Exists" | "DoesNotExist"];
        if (!ok) return false;
    }
    return true;
}

/** A Service's plain-map selector: an empty one selects no pods (the Service gets no endpoints). */
export function serviceSelects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
    return Object.keys(selector ?? {}).length > 0 && selectorMatches({ matchLabels: selector }, labels);
}

/**
 * The fewest replicas a Deployment or StatefulSet runs: an HPA's minReplicas when one scales it
 * (the HPA owns `replicas` then), else `spec.replicas`, whose default is 1.
 */
export function minimumReplicas(
    workload: { kind: string; metadata: ObjectMeta; replicas?: number },
    autoscalers: { props: { metadata?: ObjectMeta; spec?: { minReplicas?: number; scaleTargetRef?: { kind?: string; name?: string } } } }[],
): { replicas: number; from: string } {
    const hpa = autoscalers.find((a) => {
        const target = a.props.spec?.scaleTargetRef ?? {};
        return (
            target.kind === workload.kind &&
            target.name === workload.metadata.name &&
            namespaceOf(a.props.metadata) === namespaceOf(workload.metadata)
        );
    });
    if (hpa) return { replicas: hpa.props.spec?.minReplicas ?? 1, from: `HorizontalPodAutoscaler ${hpa.props.metadata?.name} minReplicas` };
    return {
        replicas: workload.replicas ?? 1,
        from: workload.replicas === undefined ? "spec.replicas (unset, default 1)" : "spec.replicas",
    };
}

export function describeObject(kind: string, metadata: ObjectMeta | undefined): string {
    return `${kind} ${namespaceOf(metadata)}/${metadata?.name ?? "(unnamed)"}`;
}

/** Stack resources of one Kubernetes class, e.g. every PodDisruptionBudget. */
export function objectsOf<R extends Typed>(resources: R[], resourceClass: ResourceClass): R[] {
    return resources.filter((r) => r.isType(resourceClass));
}

/** Deployments, Rollouts and StatefulSets: the workloads that keep replicas running. */
export function replicatedWorkloads<R extends Typed & { props: Record<string, unknown> }>(
    resources: R[],
): { resource: R; workload: Workload }[] {
    return resources.flatMap((resource) => {
        const workload = workloadOf(resource);
        return workload && (workload.kind === "Deployment" || workload.kind === "Rollout" || workload.kind === "StatefulSet")
            ? [{ resource, workload }]
            : [];
    });
}
