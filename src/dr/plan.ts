// The drill stack's plan, offline: the source stack's plan first (its outputs stand in for the
// deployed source's: bucket names, image digests), then the program again with the drill config
// derived from the source's stack file. Then what in that plan the real engine would refuse.
import { drillConfig, drStackName, project } from "./drill";
import type { ConfigMap } from "./workspace";
import { planStack, readStackConfig, type Plan, type PlannedResource } from "../plan/run";

/** Plans `source` and the drill stack `drill` would create from it, one after the other (the mock runtime is process-global). */
export async function planDrill(source: string, options: { root?: string; now?: Date } = {}): Promise<{ source: Plan; drill: Plan }> {
    const sourcePlan = await planStack(source, { root: options.root });
    const stack = drStackName(options.now ?? new Date());
    const config = drillConfig(stackFileConfig(source, options.root), sourcePlan.outputs, source, stack);
    return { source: sourcePlan, drill: await planStackConfig(source, stack, config, options.root) };
}

/** Pulumi.<stack>.yaml as the Automation API's ConfigMap (secure values as placeholders). */
export function stackFileConfig(stack: string, root?: string): ConfigMap {
    const { values } = readStackConfig(stack, { root });
    return Object.fromEntries(
        Object.entries(values).map(([key, value]) => [
            `${project}:${key}`,
            { value: typeof value === "string" ? value : JSON.stringify(value), secret: false },
        ]),
    );
}

/**
 * Plans `stack` with exactly `config` (as `pulumi config set-all` would leave it), running the
 * program from `sourceStack`'s directory. Keys the config lacks are removed from the stack file's
 * values, not merged back from it.
 */
export async function planStackConfig(sourceStack: string, stack: string, config: ConfigMap, root?: string): Promise<Plan> {
    const values: Record<string, unknown> = {};
    for (const [key, { value }] of Object.entries(config)) values[key.slice(project.length + 1)] = parseValue(value);
    const overrides: Record<string, unknown> = { ...values };
    for (const [key, fileValue] of Object.entries(readStackConfig(sourceStack, { root }).values)) {
        const next = values[key];
        if (!(key in values)) overrides[key] = undefined;
        else if (isObject(fileValue) && isObject(next)) {
            overrides[key] = {
                ...next,
                ...Object.fromEntries(
                    Object.keys(fileValue)
                        .filter((k) => !(k in next))
                        .map((k) => [k, undefined]),
                ),
            };
        }
    }
    return planStack(sourceStack, { root, stackName: stack, overrides });
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseValue(value: string): unknown {
    try {
        const parsed = JSON.parse(value) as unknown;
        return parsed !== null && typeof parsed === "object" ? parsed : value;
    } catch {
        return value;
    }
}

/** A physical name two stacks cannot both hold: in one AWS account/region, or in one Kubernetes cluster. */
export interface PhysicalName {
    scope: "aws" | "cluster";
    /** e.g. `s3 bucket`, `ClusterRole`, `host port`; with `name`, the identity that must be unique. */
    kind: string;
    name: string;
    urn: string;
}

/** Kubernetes kinds that are not namespaced (`kubectl api-resources --namespaced=false`). */
const clusterScopedKinds = new Set([
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "PersistentVolume",
    "IngressClass",
    "RuntimeClass",
    "APIService",
    "CSIDriver",
    "VolumeSnapshotClass",
]);

/**
 * AWS names that are unique per account (and region) when set explicitly. Unset, Pulumi and the
 * provider generate a unique one (auto-naming, `bucketPrefix`, `identifierPrefix`, `namePrefix`):
 * https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming
 */
const awsNameInputs: Record<string, { kind: string; inputs: string[] }> = {
    "aws:s3/bucket:Bucket": { kind: "s3 bucket", inputs: ["bucket"] },
    "aws:s3/bucketV2:BucketV2": { kind: "s3 bucket", inputs: ["bucket"] },
    "aws:iam/role:Role": { kind: "iam role", inputs: ["name"] },
    "aws:iam/policy:Policy": { kind: "iam policy", inputs: ["name"] },
    "aws:iam/instanceProfile:InstanceProfile": { kind: "iam instance profile", inputs: ["name"] },
    "aws:kms/alias:Alias": { kind: "kms alias", inputs: ["name"] },
    "aws:ecr/repository:Repository": { kind: "ecr repository", inputs: ["name"] },
    "aws:rds/instance:Instance": { kind: "rds instance", inputs: ["identifier"] },
    "aws:rds/subnetGroup:SubnetGroup": { kind: "rds subnet group", inputs: ["name"] },
    "aws:rds/parameterGroup:ParameterGroup": { kind: "rds parameter group", inputs: ["name"] },
    "aws:ec2/securityGroup:SecurityGroup": { kind: "security group", inputs: ["name"] },
    "aws:cloudwatch/logGroup:LogGroup": { kind: "log group", inputs: ["name"] },
};

/** Host ports of a pod template anywhere in a workload (DaemonSet, Deployment, ...): one per node. */
function hostPorts(value: unknown): number[] {
    if (Array.isArray(value)) return value.flatMap(hostPorts);
    if (value === null || typeof value !== "object") return [];
    const record = value as Record<string, unknown>;
    const own = typeof record.hostPort === "number" ? [record.hostPort] : [];
    return [...own, ...Object.values(record).flatMap(hostPorts)];
}

/** What a Helm release renders cluster-wide, read from its chart's values.yaml defaults. */
function helmFootprint(r: PlannedResource): { kind: string; name: string }[] {
    const { name, chart, values, skipCrds } = r.inputs as {
        name?: string;
        chart?: string;
        values?: {
            crds?: { enabled?: unknown };
            nodeExporter?: { enabled?: unknown };
            "prometheus-node-exporter"?: { service?: { port?: unknown } };
        };
        skipCrds?: boolean;
    };
    const release = name ?? r.name;
    const names = [
        // Charts name their ClusterRoles, ClusterRoleBindings and webhook configurations after the
        // release's fullname (the `<chart>.fullname` helper), whatever namespace the release is in.
        { kind: "helm release (cluster-wide objects)", name: release },
    ];
    // Helm skips CRDs that exist (https://helm.sh/docs/chart_best_practices/custom_resource_definitions/):
    // a second release would silently run on the first one's versions, so they count as shared.
    if (!skipCrds && values?.crds?.enabled !== false) names.push({ kind: "helm chart CRDs", name: String(chart) });
    // kube-prometheus-stack 88.5.3 values.yaml: nodeExporter.enabled defaults to true, and the
    // prometheus-node-exporter subchart runs on the host network on port 9100 (hostNetwork: true).
    if (chart === "kube-prometheus-stack" && values?.nodeExporter?.enabled !== false) {
        names.push({ kind: "host port", name: String(values?.["prometheus-node-exporter"]?.service?.port ?? 9100) });
    }
    return names;
}

/** Every global or cluster-scoped physical name a plan would create. */
export function physicalNames(plan: Plan): PhysicalName[] {
    const names: PhysicalName[] = [];
    for (const r of plan.resources) {
        const add = (scope: PhysicalName["scope"], kind: string, name: unknown) => {
            if (typeof name === "string" && name !== "") names.push({ scope, kind, name, urn: r.urn });
        };
        const aws = awsNameInputs[r.type];
        if (aws) for (const input of aws.inputs) add("aws", aws.kind, r.inputs[input]);
        if (r.type === "aws:rds/instance:Instance" && r.inputs.skipFinalSnapshot !== true)
            add("aws", "rds snapshot", r.inputs.finalSnapshotIdentifier);
        if (r.type === "kubernetes:helm.sh/v3:Release" || r.type === "kubernetes:helm.sh/v4:Chart") {
            for (const { kind, name } of helmFootprint(r)) add("cluster", kind, name);
            continue;
        }
        if (!r.type.startsWith("kubernetes:")) continue;
        const kind = r.inputs.kind as string | undefined;
        const metadata = (r.inputs.metadata ?? {}) as { name?: string };
        if (kind && clusterScopedKinds.has(kind)) add("cluster", kind, metadata.name);
        for (const port of hostPorts(r.inputs.spec)) add("cluster", "host port", String(port));
    }
    return names;
}

/** Names `drill` would create that `source` already holds: the engine's `up` fails on each. */
export function sharedNames(source: Plan, drill: Plan): PhysicalName[] {
    const taken = new Set(physicalNames(source).map((n) => `${n.scope}|${n.kind}|${n.name}`));
    return physicalNames(drill).filter((n) => taken.has(`${n.scope}|${n.kind}|${n.name}`));
}

/** A resource `pulumi destroy` would fail on, or leave behind, and why. */
export interface Undeletable {
    urn: string;
    reason: string;
}

/**
 * What `pulumi destroy` of this plan would refuse or leave behind, from the documented behaviour of
 * the engine and the services:
 * - `protect`: "Pulumi will fail any operation that would delete it" (https://www.pulumi.com/docs/iac/concepts/options/protect/).
 * - `retainOnDelete`: destroy removes it from the state and leaves it in the cloud (https://www.pulumi.com/docs/iac/concepts/options/retainondelete/).
 * - RDS `deletionProtection`: "The database can't be deleted when deletion protection is enabled"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html); without
 *   `skipFinalSnapshot` a final snapshot stays behind.
 * - S3: "you must delete all objects (including all object versions and delete markers) in the
 *   bucket before you can delete the bucket" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-bucket.html):
 *   a drill writes to its buckets (restored models, access logs), so only `forceDestroy` deletes them;
 *   with Object Lock, locked versions cannot be deleted before their retention ends
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html).
 * - ECR: a repository holding images is deleted only with `forceDelete` (DeleteRepository, RepositoryNotEmptyException).
 */
export function undeletable(plan: Plan): Undeletable[] {
    const found: Undeletable[] = [];
    for (const r of plan.resources) {
        const add = (reason: string) => found.push({ urn: r.urn, reason });
        if (r.protect) add("protected: pulumi destroy fails on it");
        if (r.retainOnDelete) add("retainOnDelete: pulumi destroy leaves it behind");
        const inputs = r.inputs;
        if (r.type === "aws:rds/instance:Instance") {
            if (inputs.deletionProtection === true) add("deletion protection: RDS refuses to delete it");
            if (inputs.skipFinalSnapshot !== true) add("no skipFinalSnapshot: a final snapshot stays behind");
        }
        if (r.type === "aws:s3/bucket:Bucket" || r.type === "aws:s3/bucketV2:BucketV2") {
            if (inputs.forceDestroy !== true) add("no forceDestroy: S3 refuses to delete a bucket holding objects");
            if (inputs.objectLockEnabled === true) add("Object Lock: locked versions cannot be deleted before their retention ends");
        }
        if (r.type === "aws:ecr/repository:Repository" && inputs.forceDelete !== true)
            add("no forceDelete: ECR refuses to delete a repository holding images");
    }
    return found;
}
