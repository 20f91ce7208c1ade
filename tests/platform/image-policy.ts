// Image-signature admission as the Sigstore policy-controller (chart 0.10.6, app v0.13.1) applies it:
// its `policy.sigstore.dev` webhook sees the pods of the namespaces its namespaceSelector picks; an
// image matching a ClusterImagePolicy glob must pass one of that policy's authorities (mode enforce
// denies, warn admits with a warning); an image matching none gets `no-match-policy` from the
// config-policy-controller ConfigMap, "deny" when unset (sigstore/policy-controller
// pkg/config/policy_controller.go, NewPolicyControllerConfigFromMap). An image "can pass" when CI
// signs its repository (the delivery workflow signs the platform's repositories: infra/images/repositories.ts).
import { platformRepositories } from "../../infra/images/repositories";
import type { RenderedObject, RenderedPlatform } from "./render";
import { podLabel } from "./references";

interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }>;
}

/** A Kubernetes label selector against labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
        const has = key in labels;
        if (operator === "In" && !(has && values.includes(labels[key]))) return false;
        if (operator === "NotIn" && has && values.includes(labels[key])) return false;
        if (operator === "Exists" && !has) return false;
        if (operator === "DoesNotExist" && has) return false;
    }
    return true;
}

/** policy-controller's image globs: `**` spans path segments, `*` stays within one (pkg/apis/glob). */
export function globMatches(glob: string, image: string): boolean {
    const pattern = glob
        .split("**")
        .map((part) =>
            part
                .split("*")
                .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
                .join("[^/]*"),
        )
        .join(".*");
    return new RegExp(`^${pattern}$`).test(image);
}

/** The labels a namespace carries: the API server adds kubernetes.io/metadata.name to every namespace. */
function namespaceLabels(platform: RenderedPlatform, namespace: string): Record<string, string> {
    const declared = platform.byKind("Namespace").find((o) => o.object.metadata.name === namespace);
    return { ...declared?.object.metadata.labels, "kubernetes.io/metadata.name": namespace };
}

export interface ImageAdmission {
    /** Namespaces the policy-controller's webhook sees. */
    namespaces: string[];
    /** Images checked, by verdict. */
    signed: string[];
    warned: string[];
    denied: string[];
}

const signedRepositories = new Set<string>(Object.values(platformRepositories));

/** Each image of each pod in a namespace under image-signature admission, against the ClusterImagePolicies. */
export function checkImagePolicies(platform: RenderedPlatform): ImageAdmission {
    const result: ImageAdmission = { namespaces: [], signed: [], warned: [], denied: [] };
    const webhooks = platform
        .byKind("ValidatingWebhookConfiguration")
        .flatMap((o: RenderedObject) => (o.object.webhooks ?? []) as Array<{ name: string; namespaceSelector?: LabelSelector }>)
        .filter((w) => w.name === "policy.sigstore.dev");
    if (!webhooks.length) return result;
    const config = platform.byKind("ConfigMap").find((o) => o.object.metadata.name === "config-policy-controller");
    const noMatch = ((config?.object.data as Record<string, string> | undefined)?.["no-match-policy"] ?? "deny") as
        "deny" | "warn" | "allow";
    const policies = platform.byKind("ClusterImagePolicy").map((o) => o.object.spec as { mode?: string; images: Array<{ glob: string }> });
    const seen = new Set<string>();
    for (const pod of platform.pods()) {
        if (!webhooks.some((w) => selects(w.namespaceSelector, namespaceLabels(platform, pod.namespace)))) continue;
        if (!result.namespaces.includes(pod.namespace)) result.namespaces.push(pod.namespace);
        for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
            const image = container.image;
            // Skipped: the config-reloader, whose image the Prometheus operator fills in from its own flags.
            if (!image || seen.has(`${pod.namespace} ${image}`)) continue;
            seen.add(`${pod.namespace} ${image}`);
            const where = `${image} in ${podLabel(pod)}`;
            const matching = policies.filter((p) => p.images.some((i) => globMatches(i.glob, image)));
            if (!matching.length) {
                if (noMatch === "deny") result.denied.push(`${where}: matches no ClusterImagePolicy and no-match-policy is deny`);
                else result.warned.push(`${where}: matches no ClusterImagePolicy (no-match-policy ${noMatch})`);
                continue;
            }
            const repository = image.replace(/^[^/]+\//, "").replace(/[@:].*$/, "");
            if (signedRepositories.has(repository)) result.signed.push(where);
            else if (matching.some((p) => (p.mode ?? "enforce") === "enforce"))
                result.denied.push(
                    `${where}: an enforced policy requires CI's signature and CI signs only ${[...signedRepositories].join(", ")}`,
                );
            else result.warned.push(`${where}: unsigned, policy mode warn`);
        }
    }
    return result;
}
