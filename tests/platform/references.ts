// References: every Secret, ConfigMap, ServiceAccount and PersistentVolumeClaim a pod reads must be
// in the rendered platform or be made at run time by a controller that is itself in it. A missing
// one leaves the pod in ContainerCreating (volumes) or CreateContainerConfigError (env), or the
// ReplicaSet unable to create it (service account): https://kubernetes.io/docs/concepts/configuration/secret/#restriction-secret-must-exist
// References marked `optional: true` do not block a pod and are not checked.
import type { PodTemplate, RenderedObject, RenderedPlatform } from "./render";

export type ReferenceKind = "Secret" | "ConfigMap" | "ServiceAccount" | "PersistentVolumeClaim";

export interface Reference {
    kind: ReferenceKind;
    name: string;
    namespace: string;
    /** Where the pod reads it, e.g. `volume tls-secret`, `env FOO of container app`. */
    via: string;
}

export interface ResolvedReference extends Reference {
    pod: string;
    /** `rendered` (an object of the platform) or the controller that makes it at run time. */
    madeBy: string;
}

/** What a controller of the platform (or the cluster) creates at run time, and how to tell it is there. */
interface RuntimeObject {
    kind: ReferenceKind;
    name: RegExp;
    /** The controller that creates it. */
    controller: string;
    /** Whether that controller is part of the platform (or, for the cluster's own controllers, always). */
    present(platform: RenderedPlatform, namespace: string): boolean;
}

const rendered = (platform: RenderedPlatform, kind: string, namespace: string, test: (o: RenderedObject) => boolean) =>
    platform.byKind(kind, namespace).some(test);
const operatorRuns = (platform: RenderedPlatform) =>
    platform.objects.some((o) => o.object.kind === "Deployment" && o.object.metadata.labels?.app === "kube-prometheus-stack-operator");

/** The short allow-list: objects no chart or program declares, each made by a named controller. */
const runtimeObjects: RuntimeObject[] = [
    // kube-controller-manager's serviceaccount controller creates `default` in every namespace, and its
    // root-ca-cert-publisher the `kube-root-ca.crt` ConfigMap that projected service account tokens read
    // (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/).
    { kind: "ServiceAccount", name: /^default$/, controller: "kube-controller-manager (serviceaccount)", present: () => true },
    { kind: "ConfigMap", name: /^kube-root-ca\.crt$/, controller: "kube-controller-manager (root-ca-cert-publisher)", present: () => true },
    // The Prometheus Operator writes each Prometheus/Alertmanager's generated config, TLS assets, web
    // config and rule files (prometheus-operator pkg/prometheus/server/operator.go, pkg/alertmanager/operator.go).
    {
        kind: "Secret",
        name: /^(prometheus-[a-z0-9-]+(-tls-assets-\d+|-web-config)?|alertmanager-[a-z0-9-]+-(generated|tls-assets-\d+|web-config))$/,
        controller: "prometheus-operator",
        present: operatorRuns,
    },
    { kind: "ConfigMap", name: /^prometheus-[a-z0-9-]+-rulefiles-\d+$/, controller: "prometheus-operator", present: operatorRuns },
    // Envoy Gateway's certgen hook Job creates the control plane's and proxies' certificates in the
    // release namespace (envoyproxy/gateway v1.9.0 internal/cmd/certgen.go: envoy-gateway, envoy, envoy-rate-limit, envoy-oidc-hmac).
    {
        kind: "Secret",
        name: /^(envoy-gateway|envoy|envoy-rate-limit|envoy-oidc-hmac)$/,
        controller: "envoy-gateway certgen Job",
        present: (platform, namespace) =>
            platform
                .pods()
                .some((pod) => pod.namespace === namespace && pod.owner.object.kind === "Job" && pod.metadata.labels?.app === "certgen"),
    },
    // kube-prometheus-stack's admission webhook patch Job creates `<release>-admission`
    // (templates/prometheus-operator/admission-webhooks/job-patch/job-createSecret.yaml); only when rendered.
    {
        kind: "Secret",
        name: /^kube-prometheus-stack-admission$/,
        controller: "kube-prometheus-stack admission-create Job",
        present: (platform, namespace) => rendered(platform, "Job", namespace, (o) => o.object.metadata.name.endsWith("-admission-create")),
    },
];

/** Every object a pod template reads, with where it reads it. */
export function podReferences(pod: PodTemplate): Reference[] {
    const refs: Reference[] = [];
    const namespace = pod.namespace;
    const add = (kind: ReferenceKind, name: string | undefined, via: string, optional?: boolean) => {
        if (name && !optional) refs.push({ kind, name, namespace, via });
    };
    add("ServiceAccount", pod.spec.serviceAccountName ?? "default", "serviceAccountName");
    for (const secret of pod.spec.imagePullSecrets ?? []) add("Secret", secret.name, "imagePullSecrets");
    for (const volume of pod.spec.volumes ?? []) {
        const via = `volume ${volume.name}`;
        add("Secret", volume.secret?.secretName, via, volume.secret?.optional);
        add("ConfigMap", volume.configMap?.name, via, volume.configMap?.optional);
        add("PersistentVolumeClaim", volume.persistentVolumeClaim?.claimName, via);
        for (const source of volume.projected?.sources ?? []) {
            add("Secret", source.secret?.name, via, source.secret?.optional);
            add("ConfigMap", source.configMap?.name, via, source.configMap?.optional);
        }
    }
    for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        for (const env of container.env ?? []) {
            const via = `env ${env.name} of container ${container.name}`;
            add("Secret", env.valueFrom?.secretKeyRef?.name, via, env.valueFrom?.secretKeyRef?.optional);
            add("ConfigMap", env.valueFrom?.configMapKeyRef?.name, via, env.valueFrom?.configMapKeyRef?.optional);
        }
        for (const from of container.envFrom ?? []) {
            const via = `envFrom of container ${container.name}`;
            add("Secret", from.secretRef?.name, via, from.secretRef?.optional);
            add("ConfigMap", from.configMapRef?.name, via, from.configMapRef?.optional);
        }
    }
    return refs;
}

export function podLabel(pod: PodTemplate): string {
    const { object } = pod.owner;
    return `${object.kind}/${pod.namespace}/${object.metadata.name} (${pod.owner.source})`;
}

const installHook = "pre-install";
const hookPhases = (o: RenderedObject) =>
    (o.object.metadata.annotations?.["helm.sh/hook"] ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean);
const hookWeight = (o: RenderedObject) => Number(o.object.metadata.annotations?.["helm.sh/hook-weight"] ?? 0);

/**
 * Whether `target` exists when the pod runs. `helm install` runs pre-install hooks, in weight order,
 * before it creates the release's other objects (https://helm.sh/docs/topics/charts_hooks/#the-available-hooks):
 * a pre-install hook pod can read only objects of its release that are pre-install hooks of a lower or
 * equal weight (equal weights go in kind order, ServiceAccounts and Secrets before Jobs).
 */
function existsWhenRun(pod: PodTemplate, target: RenderedObject): boolean {
    if (!hookPhases(pod.owner).includes(installHook) || target.source !== pod.owner.source) return true;
    return hookPhases(target).includes(installHook) && hookWeight(target) <= hookWeight(pod.owner);
}

/** Resolves every reference of every pod; `missing` lists those nothing creates (in time). */
export function checkReferences(platform: RenderedPlatform): { resolved: ResolvedReference[]; missing: string[] } {
    const resolved: ResolvedReference[] = [];
    const missing: string[] = [];
    for (const pod of platform.pods()) {
        for (const ref of podReferences(pod)) {
            const label = podLabel(pod);
            const target = platform.byKind(ref.kind, ref.namespace).find((o) => o.object.metadata.name === ref.name);
            if (target && !existsWhenRun(pod, target)) {
                missing.push(
                    `${label}: ${ref.via} reads ${ref.kind} ${ref.namespace}/${ref.name}, which its release creates only after its pre-install hooks`,
                );
                continue;
            }
            if (target) {
                resolved.push({ ...ref, pod: label, madeBy: "rendered" });
                continue;
            }
            const maker = runtimeObjects.find((r) => r.kind === ref.kind && r.name.test(ref.name) && r.present(platform, ref.namespace));
            if (maker) resolved.push({ ...ref, pod: label, madeBy: maker.controller });
            else missing.push(`${label}: ${ref.via} reads ${ref.kind} ${ref.namespace}/${ref.name}, which nothing creates`);
        }
    }
    return { resolved, missing };
}
