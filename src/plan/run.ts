// The offline plan: runs the real program for one stack in-process under the Pulumi SDK's mock
// runtime, with that stack's Pulumi.<stack>.yaml, and records every resource it declares.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { stackAccountId } from "../../infra/images/config";
import { exampleValuesVariable } from "../../infra/platform/placeholders";
import { deepMerge } from "../../infra/platform/merge";
import { defaultPlanAccount, mockCall, mockOutputs } from "./mocks";

export const repoRoot = path.resolve(__dirname, "../..");
export const redacted = "[secret]";

export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent; unset for resources directly under the stack. */
    parent?: string;
    /** Inputs as declared, secrets replaced by "[secret]": safe to print. */
    inputs: Record<string, unknown>;
    /** Inputs with secrets unwrapped, as a policy engine sees them: never print. */
    props: Record<string, unknown>;
    /** `protect` as the engine applies it (inherited from the parent): `pulumi destroy` refuses the resource. */
    protect: boolean;
    /** `retainOnDelete`: `pulumi destroy` drops it from the state and leaves it in the cloud. */
    retainOnDelete: boolean;
}

export interface Plan {
    project: string;
    stack: string;
    resources: PlannedResource[];
    /** Stack outputs, secrets replaced by "[secret]". */
    outputs: Record<string, unknown>;
    /** The stack's structured (non-secret) config values the program ran with. */
    config: Record<string, unknown>;
}

export interface PlanOptions {
    /** Config values merged over the stack file, keyed without the project prefix. */
    overrides?: Record<string, unknown>;
    /** Secret config values (as `pulumi config set --secret` would hold them), keyed without the project prefix. */
    secrets?: Record<string, string>;
    /** Directory holding Pulumi.yaml and the stack files (default: this repository). */
    root?: string;
    /** Plan as this stack name, from the named stack's file (a DR drill stack has no file of its own). */
    stackName?: string;
}

/** A stack file or program that cannot be planned: the message is one line naming the problem. */
export class PlanError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanError";
    }
}

interface StackConfig {
    project: string;
    values: Record<string, unknown>;
    secretKeys: string[];
    region: string;
    /** The program, from Pulumi.yaml's `main` (relative to root). */
    main: string;
    /** The AWS account the config names (its cluster's OIDC provider); the mocks answer caller-identity with it. */
    account: string;
}

/** Reads Pulumi.<stack>.yaml. Encrypted values cannot be read offline: they plan as secret placeholders. */
export function readStackConfig(stack: string, options: PlanOptions = {}): StackConfig {
    const root = options.root ?? repoRoot;
    const projectFile = path.join(root, "Pulumi.yaml");
    const { name: project, main = "." } = parse(fs.readFileSync(projectFile, "utf8")) as { name: string; main?: string };
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !fs.existsSync(stackFile)) {
        const known = fs.readdirSync(root).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
        throw new PlanError(`stack "${stack}": no Pulumi.${stack}.yaml (stacks: ${known.join(", ")})`);
    }
    let document: { config?: Record<string, unknown> } | null;
    try {
        document = parse(fs.readFileSync(stackFile, "utf8"));
    } catch (e) {
        throw new PlanError(`Pulumi.${stack}.yaml: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const values: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(document?.config ?? {})) {
        const [namespace, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s, 2) : [project, fullKey];
        if (namespace !== project) continue;
        if (value !== null && typeof value === "object" && "secure" in value) {
            values[key] = `plan-placeholder-${key}`;
            secretKeys.push(key);
        } else {
            values[key] = value;
        }
    }
    for (const [key, value] of Object.entries(options.secrets ?? {})) {
        values[key] = value;
        if (!secretKeys.includes(key)) secretKeys.push(key);
    }
    // An override of `undefined` removes the key (a DR drill's config drops some of its source's).
    const merged = Object.fromEntries(
        Object.entries(deepMerge(values, options.overrides ?? {})).filter(([, value]) => value !== undefined),
    );
    const region = (merged.aws as { region?: string } | undefined)?.region ?? "us-east-1";
    const oidcProviderArn = (merged.cluster as { oidcProviderArn?: unknown } | undefined)?.oidcProviderArn;
    // A platform stack's account is its cluster's; the bootstrap, which runs before any cluster, names it.
    const named = typeof oidcProviderArn === "string" ? stackAccountId({ oidcProviderArn }) : merged.accountId;
    const account = typeof named === "string" && /^\d{12}$/.test(named) ? named : defaultPlanAccount;
    return { project, values: merged, secretKeys, region, main, account };
}

interface Registration {
    type: string;
    name: string;
    props: unknown;
    resource: pulumi.Resource;
    parent?: pulumi.Resource;
    retainOnDelete: boolean;
}

/** Plans one stack. Throws PlanError for unusable stack files and the program's own error (e.g. a ConfigError). */
export async function planStack(stackFile: string, options: PlanOptions = {}): Promise<Plan> {
    const { project, values, secretKeys, region, main, account } = readStackConfig(stackFile, options);
    const stack = options.stackName ?? stackFile;
    const registrations: Registration[] = [];

    // As a preview: the plan, like `pulumi preview`, cannot read the stack's secrets.
    await pulumi.runtime.setMocks(
        { newResource: (args) => mockOutputs(args, region, account), call: (args) => mockCall(args, region, account) },
        project,
        stack,
        true,
    );
    const config = Object.fromEntries(
        Object.entries(values).map(([key, value]) => [`${project}:${key}`, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    pulumi.runtime.setAllConfig(
        config,
        secretKeys.map((key) => `${project}:${key}`),
    );

    // The committed stack files hold example values (infra/platform/placeholders.ts): planned, never deployed.
    process.env[exampleValuesVariable] = "allow";
    // The program's path is known only at run time: a require, so tsx compiles it as CommonJS like the Pulumi host does.
    const program = createRequire(__filename)(path.resolve(options.root ?? repoRoot, main)) as () => Promise<Record<string, unknown>>;
    // The program's own return value keeps its secret markers; the stack's resolved outputs do not.
    let outputs: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            // A resource passed to a multi-language component comes back as a reference (opts.urn): not a new resource.
            if ((args.opts as { urn?: string }).urn) return undefined;
            registrations.push({
                type: args.type,
                name: args.name,
                props: args.props,
                resource: args.resource,
                parent: args.opts.parent,
                retainOnDelete: args.opts.retainOnDelete === true,
            });
            return undefined;
        });
        outputs = await program();
        return outputs;
    });
    await (pulumi.runtime as unknown as SdkInternals).waitForRPCs();

    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const resources: PlannedResource[] = [];
    for (const r of registrations) {
        const urn = await settle(r.resource.urn);
        const parent = r.parent ? await settle(r.parent.urn) : undefined;
        resources.push({
            urn: urn as string,
            type: r.type,
            name: r.name,
            ...(parent && parent !== stackUrn ? { parent: parent as string } : {}),
            inputs: (await resolve(r.props, true)) as Record<string, unknown>,
            props: (await resolve(r.props, false)) as Record<string, unknown>,
            // The constructor fills in `protect` from the parent after transformations have run.
            protect: (r.resource as unknown as ResourceInternals).__protect === true,
            retainOnDelete: r.retainOnDelete,
        });
    }
    const settings = Object.fromEntries(Object.entries(values).filter(([key]) => !secretKeys.includes(key)));
    return { project, stack, resources, outputs: (await resolve(outputs, true)) as Record<string, unknown>, config: settings };
}

/** SDK members that are public in its JavaScript but not in its typings; the mock runtime needs them. */
interface SdkInternals {
    waitForRPCs(): Promise<void>;
}
interface ResourceInternals {
    __protect?: boolean;
}
interface OutputInternals {
    promise(): Promise<unknown>;
    isSecret: Promise<boolean>;
}

async function settle(output: pulumi.Output<unknown>): Promise<unknown> {
    return (output as unknown as OutputInternals).promise();
}

/** Keeps the shape of a secret (a Secret's keys are not secret) and hides every value in it. */
function redactLeaves(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactLeaves);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, redactLeaves(v)]));
    }
    return redacted;
}

/** Unwraps Outputs, promises and resource references; with `redact`, secret values become "[secret]". */
async function resolve(value: unknown, redact: boolean): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        if (redact && (await (value as unknown as OutputInternals).isSecret)) return redactLeaves(await resolve(value, false));
        return resolve(await settle(value), redact);
    }
    if (value instanceof Promise) return resolve(await value, redact);
    if (pulumi.Resource.isInstance(value)) return settle(value.urn);
    if (Array.isArray(value)) return Promise.all(value.map((v) => resolve(v, redact)));
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [key, v] of Object.entries(value)) {
            const resolved = await resolve(v, redact);
            if (resolved !== undefined) out[key] = resolved;
        }
        return out;
    }
    return value;
}
