// Policy pack config the way the Pulumi CLI reconciles `--policy-pack-config FILE`: defaults from
// each policy's config schema, then "all", then per-policy settings, then JSON-schema validation.
// Stricter than the CLI in two ways, because a typo should fail CI: unknown policies and unknown
// keys are errors, and outside `local` no policy may be advisory or disabled.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type AjvType from "ajv";
import type { EnforcementLevel, Policy } from "@pulumi/policy";

export const enforcementLevels: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** An unusable config file: the message is one line naming the file, the policy and the key. */
export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

export interface PolicySettings {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}

export type PackConfig = Map<string, PolicySettings>;

const isLevel = (value: unknown): value is EnforcementLevel => enforcementLevels.includes(value as EnforcementLevel);

/** Parses the file format: `{"all": "mandatory", "<policy>": "<level>" | {"enforcementLevel"?, ...properties}}`. */
function parseGiven(document: unknown, source: string): Map<string, PolicySettings> {
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
        throw new PolicyConfigError(`${source}: expected a JSON object of policy names`);
    }
    const given = new Map<string, PolicySettings>();
    for (const [name, value] of Object.entries(document)) {
        if (typeof value === "string") {
            if (!isLevel(value))
                throw new PolicyConfigError(
                    `${source}: "${name}": "${value}" is not an enforcement level (${enforcementLevels.join(", ")})`,
                );
            given.set(name, { enforcementLevel: value, properties: {} });
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                throw new PolicyConfigError(
                    `${source}: "${name}".enforcementLevel: ${JSON.stringify(enforcementLevel)} is not an enforcement level`,
                );
            }
            given.set(name, { enforcementLevel: enforcementLevel as EnforcementLevel | undefined, properties });
        } else {
            throw new PolicyConfigError(`${source}: "${name}": expected an enforcement level or an object`);
        }
    }
    return given;
}

// Settings a file gives are validated against the policies' schemas; the schemas' own defaults
// are checked once, by tests. Compiling every schema cost most of a second; a file pays only for
// the policies it configures, and one that states only enforcement levels never loads ajv.
let ajv: AjvType | undefined;
// Required at first use (not imported) for the reason above.
const lazyRequire = createRequire(__filename);
const validators = new Map<string, ReturnType<AjvType["compile"]>>();

/** One schema over the given policies' settings, compiled once per set of policies. */
function validatorFor(policies: Policy[]) {
    const key = policies.map((p) => p.name).join(",");
    let validate = validators.get(key);
    if (!validate) {
        const { default: Ajv } = lazyRequire("ajv") as typeof import("ajv");
        ajv ??= new Ajv({ allErrors: false, strict: false });
        const properties = Object.fromEntries(
            policies.map((p) => [
                p.name,
                {
                    type: "object",
                    properties: p.configSchema?.properties ?? {},
                    ...(p.configSchema?.required ? { required: p.configSchema.required } : {}),
                },
            ]),
        );
        validate = ajv.compile({ type: "object", properties });
        validators.set(key, validate);
    }
    return validate;
}

export function reconcileConfig(policies: Policy[], document: unknown, source: string): PackConfig {
    const given = parseGiven(document, source);
    const known = new Set(policies.map((p) => p.name));
    for (const name of given.keys()) {
        if (name !== "all" && !known.has(name)) throw new PolicyConfigError(`${source}: "${name}": no such policy in the pack`);
    }
    const all = given.get("all");
    if (all && Object.keys(all.properties).length > 0)
        throw new PolicyConfigError(`${source}: "all": only an enforcement level is allowed`);
    const config: PackConfig = new Map();
    for (const policy of policies) {
        const schema = policy.configSchema?.properties ?? {};
        const defaults = Object.fromEntries(
            Object.entries(schema).flatMap(([key, s]) =>
                typeof s === "object" && s.default !== undefined ? [[key, structuredClone(s.default)]] : [],
            ),
        );
        const own = given.get(policy.name);
        for (const key of Object.keys(own?.properties ?? {})) {
            if (!(key in schema))
                throw new PolicyConfigError(`${source}: "${policy.name}".${key}: unknown key (known: ${Object.keys(schema).join(", ")})`);
        }
        config.set(policy.name, {
            enforcementLevel: own?.enforcementLevel ?? all?.enforcementLevel ?? policy.enforcementLevel,
            properties: { ...defaults, ...own?.properties },
        });
    }
    const configured = policies.filter((p) => Object.keys(given.get(p.name)?.properties ?? {}).length > 0);
    if (configured.length === 0) return config;
    const validate = validatorFor(configured);
    if (!validate(Object.fromEntries(configured.map((p) => [p.name, config.get(p.name)!.properties])))) {
        const error = validate.errors![0];
        const [, name, ...path] = error.instancePath.split("/");
        throw new PolicyConfigError(`${source}: "${name}"${path.map((k) => `.${k}`).join("")}: ${error.message}`);
    }
    return config;
}

export const configDir = path.resolve(__dirname, "../../policies/config");

/** policies/config/<stack>.json, reconciled; outside `local` every policy must stay mandatory. */
export function loadStackConfig(stack: string, policies: Policy[], dir: string = configDir): PackConfig {
    const file = path.join(dir, `${stack}.json`);
    const source = path.relative(process.cwd(), file) || file;
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(file)) {
        const known = fs.existsSync(dir)
            ? fs
                  .readdirSync(dir)
                  .filter((f) => f.endsWith(".json"))
                  .map((f) => f.slice(0, -5))
            : [];
        // The closest existing config is the one to start from: production's for anything paged.
        const template = known.includes("production") ? "production" : known[0];
        const how = template
            ? `create it from another stack's, e.g. cp ${path.relative(process.cwd(), path.join(dir, `${template}.json`)) || template} ${source}`
            : `create ${source}`;
        throw new PolicyConfigError(`${source}: no policy config for stack "${stack}": ${how} (configs: ${known.join(", ") || "none"})`);
    }
    let document: unknown;
    try {
        document = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PolicyConfigError(`${source}: not valid JSON: ${(e as Error).message}`);
    }
    const config = reconcileConfig(policies, document, source);
    if (stack !== "local") {
        for (const [name, settings] of config) {
            if (settings.enforcementLevel === "advisory" || settings.enforcementLevel === "disabled") {
                throw new PolicyConfigError(
                    `${source}: "${name}": ${settings.enforcementLevel} is allowed only in local; ${stack} enforces every policy`,
                );
            }
        }
    }
    return config;
}
