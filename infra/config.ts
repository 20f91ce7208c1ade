// The whole stack configuration, parsed once. Everything the program builds comes from a
// `PlatformConfig`; components receive their slice of it and never read `pulumi.Config`.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { backupsConfigSchema, backupsDefaults } from "./backups/config";
import { capacityConfigSchema, capacityDefaults, costConfigSchema, costDefaults } from "./capacity/config";
import { drillDefaults, drillIssues, drillSchema } from "./drill";
import { imagesConfigSchema, imagesDefaults, imagesIssues } from "./images/config";
import { loggingConfigSchema, loggingDefaults } from "./logging/config";
import { environments, type Environment } from "./environment";
import { scalingTriggers } from "./manual";
import { missingReceivers } from "./monitoring/alertmanager";
import { edgeConfigSchema, edgeDefaults, edgeIssues, type EdgeSettings } from "./edge/config";
import { monitoringConfig, monitoringConfigSchema, monitoringDefaults, type MonitoringConfig } from "./monitoring/config";
import { exampleValuesAllowed, findPlaceholders } from "./platform/placeholders";
import { repositoryDefaults, repositorySchema } from "./platform/repository";
import { releaseConfigSchema, releaseDefaults } from "./release/config";
import { deepMerge, type DeepPartial } from "./util/merge";
import { awsRegion, bool, hasDigest, imageReference, imageTag, int, oneOf, storageQuantity } from "./util/schema";

export { environments, type Environment } from "./environment";

/** Secret config keys, always read with `getSecret` so they stay secrets end to end. */
export const secretKeys = [
    "databasePassword",
    "objectStoreSecretKey",
    "grafanaAdminPassword",
    "pagerdutyRoutingKey",
    "slackWebhookUrl",
    "ticketWebhookUrl",
    "heartbeatUrl",
] as const;
export type SecretKey = (typeof secretKeys)[number];
export type PlatformSecrets = Partial<Record<SecretKey, pulumi.Output<string>>>;

/**
 * One line, naming the key: the message every config mistake ends in. A RunError, so that
 * `pulumi up` prints just the message, not the program's stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, "a CPU quantity such as 500m or 2");
const memoryQuantity = z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, "a memory quantity such as 512Mi or 2Gi");

const resourcesSchema = z
    .object({
        requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
        limits: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
    })
    .strict();
export type Resources = z.infer<typeof resourcesSchema>;

const kubernetesSchema = z
    .object({
        /** kubeconfig context; unset means the current context of the ambient kubeconfig. */
        context: z.string().min(1).optional(),
        /** Path to a kubeconfig file; unset means $KUBECONFIG or ~/.kube/config. */
        kubeconfig: z.string().min(1).optional(),
        appNamespace: z.string().regex(/^[a-z0-9-]{1,63}$/),
        monitoringNamespace: z.string().regex(/^[a-z0-9-]{1,63}$/),
    })
    .strict();

const awsSchema = z
    .object({
        region: awsRegion,
    })
    .strict();

const clusterSchema = z
    .object({
        name: z.string().min(1),
        /** IAM OIDC provider of the EKS cluster, for IRSA trust policies. */
        oidcProviderArn: z.string().regex(/^arn:aws:iam::\d{12}:oidc-provider\/.+$/, "an IAM OIDC provider ARN"),
        /** The issuer without scheme, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
        oidcIssuer: z.string().regex(/^[^:/]+\/.+$/, "the OIDC issuer host and path without https://"),
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "a VPC id such as vpc-0abc"),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "subnet ids such as subnet-0abc")).min(2),
        /** Security group of the worker nodes: the only source allowed to reach RDS. */
        nodeSecurityGroupId: z.string().regex(/^sg-[0-9a-f]+$/, "a security group id such as sg-0abc"),
    })
    .strict();

const detectorSchema = z
    .object({
        image: imageReference,
        replicas: int(1),
        maxReplicas: int(1),
        /** The manual's scaling trigger: CPU > 70 %. */
        cpuTargetPercent: int(1, 100),
        resources: resourcesSchema,
        /** Build the image from this Dockerfile and push it to ECR instead of using `image` as given. */
        build: z.object({ context: z.string().min(1), dockerfile: z.string().min(1), tag: imageTag }).strict().nullish(),
    })
    .strict();

const mlflowSchema = z
    .object({
        /** Upstream image; AWS stacks mirror it into ECR (`build`) and run the pushed digest. */
        image: imageReference,
        /** Build images/mlflow/Dockerfile from `image` and push it to ECR under this tag; null turns the default off. */
        build: z.object({ tag: imageTag }).strict().nullish(),
        replicas: int(1),
        resources: resourcesSchema,
    })
    .strict();

const databaseSchema = z
    .object({
        kind: oneOf(["rds", "in-cluster"]),
        name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        username: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        /** In-cluster only: the official Postgres image. */
        image: imageReference,
        storageSize: storageQuantity,
        resources: resourcesSchema,
        /** RDS only. */
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.t4g.medium"),
        engineVersion: z.string().regex(/^\d+(\.\d+)?$/),
        allocatedStorageGb: int(20),
        maxAllocatedStorageGb: int(20),
        backupRetentionDays: int(1, 35),
        multiAz: bool,
        deletionProtection: bool,
    })
    .strict();

const objectStoreSchema = z
    .object({
        kind: oneOf(["s3", "in-cluster"]),
        /** In-cluster only: an S3-compatible server (MinIO). */
        image: imageReference,
        storageSize: storageQuantity,
        resources: resourcesSchema,
    })
    .strict();

export const platformSchema = z
    .object({
        environment: oneOf(environments),
        /** This repository on GitHub (<owner>/<name>): images.signing.identity and monitoring.runbookBaseUrl derive from it. */
        repository: repositorySchema.optional(),
        kubernetes: kubernetesSchema,
        aws: awsSchema.optional(),
        cluster: clusterSchema.optional(),
        detector: detectorSchema,
        mlflow: mlflowSchema,
        database: databaseSchema,
        objectStore: objectStoreSchema,
        monitoring: monitoringConfigSchema,
        backups: backupsConfigSchema,
        logging: loggingConfigSchema,
        capacity: capacityConfigSchema,
        /** AWS environments: the monthly budget and where its notifications go (infra/capacity/config.ts). */
        cost: costConfigSchema.optional(),
        images: imagesConfigSchema,
        /** A DR drill stack of `drill.source` (infra/drill.ts): destroyable, and beside its source. */
        drill: drillSchema.optional(),
        edge: edgeConfigSchema,
        release: releaseConfigSchema,
    })
    .strict()
    .superRefine((c, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        if (c.detector.maxReplicas < c.detector.replicas) {
            issue(["detector", "maxReplicas"], `an integer >= detector.replicas (${c.detector.replicas})`);
        }
        const usesAws = c.database.kind === "rds" || c.objectStore.kind === "s3" || Boolean(c.detector.build) || Boolean(c.mlflow.build);
        if (usesAws && !c.aws) issue(["aws"], "the section, required when the database is rds, the object store is s3 or the detector image is built");
        if (usesAws && !c.cluster) issue(["cluster"], "the section, required when the database is rds, the object store is s3 or the detector image is built");
        if (c.environment === "production") {
            if (!hasDigest(c.detector.image) && !c.detector.build) issue(["detector", "image"], "an image pinned by digest (repo@sha256:…) in production");
            if (!hasDigest(c.mlflow.image) && !c.mlflow.build) issue(["mlflow", "image"], "an image pinned by digest, or mlflow.build, in production");
            if (c.detector.replicas < 3) issue(["detector", "replicas"], "an integer >= 3 in production");
            if (c.database.kind !== "rds") issue(["database", "kind"], '"rds" in production');
            if (c.objectStore.kind !== "s3") issue(["objectStore", "kind"], '"s3" in production');
            if (!c.database.multiAz) issue(["database", "multiAz"], "true in production");
            if (!c.database.deletionProtection && !c.drill) issue(["database", "deletionProtection"], "true in production");
            if (c.database.backupRetentionDays < 7) issue(["database", "backupRetentionDays"], "an integer >= 7 in production");
            if (!c.edge.waf.enabled) issue(["edge", "waf", "enabled"], "true in production");
            if (c.edge.loadBalancer !== "alb") issue(["edge", "loadBalancer"], '"alb" in production');
        }
        for (const [path, message] of drillIssues(c)) issue(path, message);
        for (const [path, expected] of edgeIssues(c.edge, Boolean(c.aws && c.cluster))) issue(["edge", ...path], expected);
        const builds = [
            { path: ["detector", "build"], set: Boolean(c.detector.build) },
            { path: ["mlflow", "build"], set: Boolean(c.mlflow.build) },
            { path: ["backups", "build"], set: Boolean(c.backups.build) },
        ];
        for (const [path, message] of imagesIssues({ ...c, builds })) issue(path, message);
    });

export type PlatformSettings = z.infer<typeof platformSchema>;
export type DetectorConfig = PlatformSettings["detector"];
export type MlflowConfig = PlatformSettings["mlflow"];
export type DatabaseConfig = PlatformSettings["database"];
export type ObjectStoreConfig = PlatformSettings["objectStore"];
export type ClusterConfig = z.infer<typeof clusterSchema>;

export interface PlatformConfig extends Omit<PlatformSettings, "edge"> {
    edge: EdgeSettings;
    /** The Pulumi stack name; equals `environment` except for DR drill stacks. */
    stack: string;
    secrets: PlatformSecrets;
    monitoring: MonitoringConfig;
}

const commonResources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** Sizing per environment; the stack file only states what differs. */
export function environmentDefaults(env: Environment): DeepPartial<PlatformSettings> {
    const production = env === "production";
    const local = env === "local";
    return {
        kubernetes: { appNamespace: "pneumonia", monitoringNamespace: "monitoring" },
        detector: {
            replicas: production ? 3 : local ? 1 : 2,
            maxReplicas: production ? 10 : local ? 2 : 4,
            cpuTargetPercent: scalingTriggers.cpu.percent,
            resources: local ? commonResources("250m", "512Mi", "1", "1Gi") : commonResources("1", "2Gi", "2", "4Gi"),
        },
        mlflow: {
            // The official "-full" variant: MLflow with the Postgres drivers, boto3 and the Prometheus exporter.
            image: "ghcr.io/mlflow/mlflow:v3.11.1-full",
            // Mirrored into ECR where there is one: run by digest, scanned on push, no pull from ghcr.io.
            ...(local ? {} : { build: { tag: "v3.11.1-full" } }),
            replicas: production ? 2 : 1,
            resources: commonResources("250m", "512Mi", "1", "1Gi"),
        },
        database: {
            kind: production ? "rds" : "in-cluster",
            name: "mlflow",
            username: "mlflow",
            image: "postgres:15.17-bookworm",
            storageSize: local ? "5Gi" : "20Gi",
            resources: commonResources("250m", "512Mi", "1", "1Gi"),
            instanceClass: "db.t4g.medium",
            engineVersion: "15",
            allocatedStorageGb: 50,
            maxAllocatedStorageGb: 200,
            backupRetentionDays: production ? 14 : 7,
            multiAz: production,
            deletionProtection: production,
        },
        objectStore: {
            kind: local ? "in-cluster" : "s3",
            image: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
            storageSize: "10Gi",
            resources: commonResources("100m", "256Mi", "500m", "512Mi"),
        },
        monitoring: monitoringDefaults(env),
        backups: backupsDefaults(env),
        logging: loggingDefaults(env),
        edge: edgeDefaults(env),
        release: releaseDefaults(env),
        capacity: capacityDefaults(),
        cost: costDefaults(env),
        images: imagesDefaults(env),
    };
}

/** Parses raw stack config (already JSON-decoded, secrets excluded) into a `PlatformConfig`. */
export function parsePlatformConfig(raw: Record<string, unknown>, stack: string, secrets: PlatformSecrets = {}): PlatformConfig {
    const env = raw.environment;
    if (typeof env !== "string" || !(environments as readonly string[]).includes(env)) {
        throw new ConfigError(`environment: expected one of ${environments.join(", ")}, got ${describeValue(env)}`);
    }
    const { merged, result } = validate(raw, env as Environment);
    if (!result.success) throw new ConfigError(formatIssue(result.error.issues[0], merged));
    // The refinements above guarantee the edge host is set. The alerts read the backup limits
    // (from the backup schedules) and the forecast horizon from the monitoring slice.
    return {
        ...result.data,
        edge: result.data.edge as EdgeSettings,
        monitoring: { ...monitoringConfig(result.data.monitoring, result.data.backups.schedules), capacity: result.data.capacity },
        stack,
        secrets,
    };
}

function validate(raw: Record<string, unknown>, env: Environment) {
    const defaults = deepMerge(environmentDefaults(env) as Record<string, unknown>, repositoryDefaults(raw.repository));
    const merged = deepMerge((raw.drill ? drillDefaults(defaults) : defaults) as Record<string, unknown>, raw);
    return { merged, result: platformSchema.safeParse(merged) };
}

/** Every mistake in raw stack config at once, each as the one line `parsePlatformConfig` would throw (preflight lists them). */
export function platformConfigIssues(raw: Record<string, unknown>): { key: string; line: string }[] {
    const env = raw.environment;
    if (typeof env !== "string" || !(environments as readonly string[]).includes(env)) {
        return [{ key: "environment", line: `environment: expected one of ${environments.join(", ")}, got ${describeValue(env)}` }];
    }
    const { merged, result } = validate(raw, env as Environment);
    return (result.error?.issues ?? []).map((issue) => {
        const line = formatIssue(issue, merged);
        return { key: line.slice(0, line.indexOf(":")), line };
    });
}

/** Staging and production refuse the committed files' example values unless the offline plan runs them. */
export function refuseExampleValues(raw: Record<string, unknown>, stack: string, allowed = exampleValuesAllowed()): void {
    if (allowed || raw.environment === "local" || raw.environment === undefined) return;
    const found = findPlaceholders(raw);
    if (found.length === 0) return;
    const more = found.length > 1 ? ` (and ${found.length - 1} more: npm run preflight -- ${stack} lists them)` : "";
    throw new ConfigError(`${found[0]!.key}: expected a real value, got the example ${JSON.stringify(found[0]!.value)} (${found[0]!.reason})${more}`);
}

/** Every top-level key the project namespace may hold: the schema's sections and the secret keys. */
export function knownConfigKeys(): string[] {
    return [...Object.keys(platformSchema.shape), ...secretKeys];
}

/**
 * Rejects, before anything is declared, what the program would otherwise ignore: a key of the
 * project namespace it does not know (a typo, a nested key written flat) and a secret key stored
 * in plain text. `keys` are the namespace's keys without the `project:` prefix.
 */
export function checkConfigKeys(project: string, keys: { key: string; secret: boolean }[]): void {
    const known = knownConfigKeys();
    for (const { key, secret } of keys) {
        const full = `${project}:${key}`;
        if ((secretKeys as readonly string[]).includes(key)) {
            if (!secret) throw new ConfigError(`${full}: a secret key in plain text; store it encrypted: pulumi config set --secret ${key} <value>`);
            continue;
        }
        if (known.includes(key)) continue;
        const [section, ...rest] = key.split(".");
        if (rest.length > 0 && known.includes(section!)) {
            throw new ConfigError(`${full}: unknown key; a nested key is set with --path: pulumi config set --path ${key} <value>`);
        }
        const close = closestKey(key, known);
        throw new ConfigError(`${full}: unknown key${close ? ` (did you mean ${project}:${close}?)` : ""}`);
    }
}

/** The known key a typo most likely meant: at most a third of its letters off (Levenshtein). */
function closestKey(key: string, known: string[]): string | undefined {
    const distance = (a: string, b: string) => {
        let row = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            const next = [i];
            for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
            row = next;
        }
        return row[b.length]!;
    };
    const [best] = known
        .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
        .filter(({ k, d }) => d <= Math.max(1, Math.floor(Math.max(k.length, key.length) / 3)))
        .sort((a, b) => a.d - b.d);
    return best?.k;
}

/** SDK members that are public in its JavaScript but not in its typings. */
interface ConfigInternals {
    isConfigSecret(key: string): boolean;
}

/** Reads the running stack's config. The only place in the program that touches `pulumi.Config`. */
export function loadConfig(): PlatformConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    checkConfigKeys(
        project,
        Object.keys(pulumi.runtime.allConfig())
            .filter((full) => full.startsWith(prefix))
            .map((full) => ({ key: full.slice(prefix.length), secret: (pulumi.runtime as unknown as ConfigInternals).isConfigSecret(full) })),
    );
    const config = new pulumi.Config();
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(platformSchema.shape)) {
        const value = readStructured(config, key);
        if (value !== undefined) raw[key] = value;
    }
    const secrets: PlatformSecrets = {};
    for (const key of secretKeys) {
        const value = config.getSecret(key);
        if (value !== undefined) secrets[key] = value;
    }
    refuseExampleValues(raw, pulumi.getStack());
    const parsed = parsePlatformConfig(raw, pulumi.getStack(), secrets);
    const receivers = missingReceivers(parsed.monitoring, parsed.environment, Object.keys(secrets), pulumi.runtime.isDryRun());
    if (receivers.error) throw new ConfigError(`${project}:${receivers.error}`);
    return parsed;
}

function readStructured(config: pulumi.Config, key: string): unknown {
    const text = config.get(key);
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);
}

function describeValue(value: unknown): string {
    return value === undefined ? "nothing" : JSON.stringify(value);
}

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
    const key = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") return `${key ? `${key}.` : ""}${issue.keys[0]}: unknown key`;
    const got = describeValue(valueAt(input, issue.path));
    // Zod's own wording ("Invalid input: expected string, received number") is replaced by the
    // schema's description where the schema gives one; otherwise it is reduced to the expectation.
    const expected = issue.message.startsWith("Invalid input: expected ")
        ? issue.message.slice("Invalid input: expected ".length).replace(/, received .*$/, "")
        : issue.message.replace(/^Invalid (string|input): /, "");
    return `${key || "(stack config)"}: expected ${expected}, got ${got}`;
}
