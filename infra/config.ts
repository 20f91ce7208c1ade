// The whole stack configuration, parsed once. Everything the program builds comes from a
// `PlatformSettings`; components receive their slice of it and never read `pulumi.Config`.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { backupsConfigSchema, backupsDefaults } from "./backups/config";
import { capacityConfigSchema, capacityDefaults, costConfigSchema, costDefaults } from "./capacity/config";
import { drillDefaults, drillIssues, drillSchema } from "./backups/drill";
import { imagesConfigSchema, imagesDefaults, imagesIssues } from "./images/config";
import { loggingConfigSchema, loggingDefaults } from "./logging/config";
import { environments, type Environment } from "./platform/environment";
import { missingReceivers } from "./monitoring/alertmanager";
import { edgeConfigSchema, edgeDefaults, edgeIssues, type EdgeSettings } from "./edge/config";
import { monitoringConfigSchema, monitoringDefaults, type MonitoringSettings } from "./monitoring/config";
import { monitoringSettings } from "./contributions";
import { exampleValuesAllowed, findPlaceholders } from "./platform/placeholders";
import { repositoryDefaults, repositorySchema } from "./platform/repository";
import { canaryMaxSurge, releaseConfigSchema, releaseDefaults } from "./release/config";
import { repeatedCanarySteps } from "./release/replica-split";
import { securityConfigSchema, securityDefaults } from "./security/config";
import { deepMerge, type DeepPartial } from "./platform/merge";
import { awsRegion, hasDigest, oneOf } from "./platform/schema";
import { clusterSchema } from "./platform/cluster";
import { secretKeys, type PlatformSecrets } from "./platform/secrets";
import { databaseDefaults, databaseSchema } from "./database/config";
import { detectorDefaults, detectorSchema } from "./detector/config";
import { mlflowDefaults, mlflowSchema } from "./mlflow/config";
import { objectStoreDefaults, objectStoreSchema } from "./object-store/config";
import { closestName } from "./platform/suggest";

export { environments, type Environment } from "./platform/environment";

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
        /** A DR drill stack of `drill.source` (infra/backups/drill.ts): destroyable, and beside its source. */
        drill: drillSchema.optional(),
        edge: edgeConfigSchema,
        release: releaseConfigSchema,
        /** Security operations (infra/security/config.ts). */
        security: securityConfigSchema,
    })
    .strict()
    .superRefine((c, ctx) => {
        const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        if (c.detector.maxReplicas < c.detector.replicas) {
            issue(["detector", "maxReplicas"], `an integer >= detector.replicas (${c.detector.replicas})`);
        }
        // A canary step that runs the same pods as the one before it watches nothing new (issue 21, finding 6).
        const repeated = repeatedCanarySteps(c.release.canary.steps, c.detector.replicas, c.detector.maxReplicas, canaryMaxSurge)[0];
        if (repeated) issue(["release", "canary", "steps"], `shares that each change the canary's pod count (${repeated})`);
        const usesAws = c.database.kind === "rds" || c.objectStore.kind === "s3" || Boolean(c.detector.build) || Boolean(c.mlflow.build);
        if (usesAws && !c.aws)
            issue(["aws"], "the section, required when the database is rds, the object store is s3 or the detector image is built");
        if (usesAws && !c.cluster)
            issue(["cluster"], "the section, required when the database is rds, the object store is s3 or the detector image is built");
        if (c.environment === "production") {
            if (!hasDigest(c.detector.image) && !c.detector.build)
                issue(["detector", "image"], "an image pinned by digest (repo@sha256:…) in production");
            if (!hasDigest(c.mlflow.image) && !c.mlflow.build)
                issue(["mlflow", "image"], "an image pinned by digest, or mlflow.build, in production");
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

// Names, in every section: `XConfig` is the section as parsed (its schema's type), `XSettings` what
// the program reads: the config completed with what other sections decide.
export type PlatformConfig = z.infer<typeof platformSchema>;

export interface PlatformSettings extends Omit<PlatformConfig, "edge"> {
    edge: EdgeSettings;
    /** The Pulumi stack name; equals `environment` except for DR drill stacks. */
    stack: string;
    secrets: PlatformSecrets;
    monitoring: MonitoringSettings;
}

/** Sizing per environment; the stack file only states what differs. */
export function environmentDefaults(env: Environment): DeepPartial<PlatformConfig> {
    return {
        kubernetes: { appNamespace: "pneumonia", monitoringNamespace: "monitoring" },
        detector: detectorDefaults(env),
        mlflow: mlflowDefaults(env),
        database: databaseDefaults(env),
        objectStore: objectStoreDefaults(env),
        monitoring: monitoringDefaults(env),
        backups: backupsDefaults(env),
        logging: loggingDefaults(env),
        edge: edgeDefaults(env),
        release: releaseDefaults(env),
        capacity: capacityDefaults(),
        cost: costDefaults(env),
        images: imagesDefaults(env),
        security: securityDefaults(env),
    };
}

/** Parses raw stack config (already JSON-decoded, secrets excluded) into a `PlatformSettings`. */
export function parsePlatformConfig(raw: Record<string, unknown>, stack: string, secrets: PlatformSecrets = {}): PlatformSettings {
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
        monitoring: monitoringSettings(result.data.monitoring, result.data.backups.schedules, result.data.capacity),
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
    throw new ConfigError(
        `${found[0]!.key}: expected a real value, got the example ${JSON.stringify(found[0]!.value)} (${found[0]!.reason})${more}`,
    );
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
            if (!secret)
                throw new ConfigError(`${full}: a secret key in plain text; store it encrypted: pulumi config set --secret ${key} <value>`);
            continue;
        }
        if (known.includes(key)) continue;
        const [section, ...rest] = key.split(".");
        if (rest.length > 0 && known.includes(section!)) {
            throw new ConfigError(`${full}: unknown key; a nested key is set with --path: pulumi config set --path ${key} <value>`);
        }
        const close = closestName(key, known);
        throw new ConfigError(`${full}: unknown key${close ? ` (did you mean ${project}:${close}?)` : ""}`);
    }
}

/** SDK members that are public in its JavaScript but not in its typings. */
interface ConfigInternals {
    isConfigSecret(key: string): boolean;
}

/** Reads the running stack's config. The only place in the program that touches `pulumi.Config`. */
export function loadConfig(): PlatformSettings {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    checkConfigKeys(
        project,
        Object.keys(pulumi.runtime.allConfig())
            .filter((full) => full.startsWith(prefix))
            .map((full) => ({
                key: full.slice(prefix.length),
                secret: (pulumi.runtime as unknown as ConfigInternals).isConfigSecret(full),
            })),
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

/** The keys the schema's object at `path` knows (through optional, default, record and array wrappers). */
function keysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
    const unwrap = (s: z.ZodType | undefined): z.ZodType | undefined => {
        let current = s;
        for (;;) {
            const def = current?._zod.def as { type?: string; innerType?: z.ZodType; in?: z.ZodType } | undefined;
            const inner =
                def && ["optional", "default", "prefault", "nullable", "readonly", "catch"].includes(def.type ?? "")
                    ? def.innerType
                    : def?.type === "pipe"
                      ? def.in
                      : undefined;
            if (!inner) return current;
            current = inner;
        }
    };
    let current = unwrap(schema);
    for (const segment of path) {
        const def = current?._zod.def as
            { type?: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType } | undefined;
        current = unwrap(
            def?.type === "object"
                ? def.shape?.[String(segment)]
                : def?.type === "record"
                  ? def.valueType
                  : def?.type === "array"
                    ? def.element
                    : undefined,
        );
    }
    const def = current?._zod.def as { type?: string; shape?: Record<string, z.ZodType> } | undefined;
    return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
    const key = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
        const prefix = key ? `${key}.` : "";
        const close = closestName(issue.keys[0]!, keysAt(platformSchema, issue.path));
        return `${prefix}${issue.keys[0]}: unknown key${close ? ` (did you mean ${prefix}${close}?)` : ""}`;
    }
    const got = describeValue(valueAt(input, issue.path));
    // Zod's own wording ("Invalid input: expected string, received number") is replaced by the
    // schema's description where the schema gives one; otherwise it is reduced to the expectation.
    const expected = issue.message.startsWith("Invalid input: expected ")
        ? issue.message.slice("Invalid input: expected ".length).replace(/, received .*$/, "")
        : issue.message.replace(/^Invalid (string|input): /, "");
    return `${key || "(stack config)"}: expected ${expected}, got ${got}`;
}
