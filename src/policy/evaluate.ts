// Runs the pack's policies in-process the way the Pulumi engine's analyzer host does
// (node_modules/@pulumi/policy/server.js): per-resource validations on each resource's inputs,
// stack validations on all resources; secrets unwrapped; unknown values behind the SDK's own
// unknown-checking proxy (a policy touching one is reported advisory, "can't run during preview");
// `notApplicable`, `isType`/`asType` and `getConfig` as the engine implements them.
import type { EnforcementLevel, Policy, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { PackConfig } from "./config";

export interface InputResource {
    urn: string;
    type: string;
    name: string;
    /** Inputs, secrets unwrapped (or wrapped in the engine's secret signature). */
    props: Record<string, unknown>;
    /** URN of the parent resource. */
    parent?: string;
    /** Per input property, the URNs of the resources its value came from. */
    propertyDependencies?: Record<string, string[]>;
}

export type Level = "mandatory" | "advisory";

export interface Violation {
    policy: string;
    /** URN of the resource, or "(stack)" for a violation of the stack as a whole. */
    resource: string;
    level: Level;
    message: string;
}

export interface NotApplicable {
    policy: string;
    resource?: string;
    reason?: string;
}

export interface Pack {
    name: string;
    version: string;
    enforcementLevel: EnforcementLevel;
    policies: Policy[];
}

/** A policy that threw: a bug in the policy or input it cannot read, never a violation. */
export class PolicyRuntimeError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyRuntimeError";
    }
}

export const stackResource = "(stack)";

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

const throwNotApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason);
};

/** The engine's deserialization: secrets unwrapped to their plaintext, undefined properties dropped. */
function deserialize(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(deserialize);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    if (object[specialSigKey] === specialSecretSig) return deserialize(object.value);
    return Object.fromEntries(
        Object.entries(object)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, deserialize(v)]),
    );
}

type ResourceClass = Parameters<PolicyResource["isType"]>[0] & { isInstance?: (o: unknown) => boolean };

/** The engine's isTypeOf: the class's Pulumi type token, else its isInstance on a type-only object. */
function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
    const token = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token === "string" && token.length > 0) return type === token;
    return typeof resourceClass.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => "validateResource" in p && p.validateResource !== undefined;
const isStackPolicy = (p: Policy): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";

function optionsOf(resource: InputResource) {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(resource.parent ? { parent: resource.parent } : {}),
    };
}

export interface Evaluation {
    violations: Violation[];
    notApplicable: NotApplicable[];
}

export async function evaluate(pack: Pack, resources: InputResource[], config: PackConfig): Promise<Evaluation> {
    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];
    const stackTags: ReadonlyMap<string, string> = new Map();
    const from = (policy: Policy) => `policy '${policy.name}' from policy pack '${pack.name}@v${pack.version}'`;
    const levelOf = (policy: Policy): EnforcementLevel =>
        config.get(policy.name)?.enforcementLevel ?? policy.enforcementLevel ?? pack.enforcementLevel;
    const getConfigFor =
        (policy: Policy) =>
        <T extends object>() =>
            structuredClone(config.get(policy.name)?.properties ?? {}) as T;
    const reporter = (policy: Policy, level: Level, fallbackUrn: string | undefined) => (message: string, urn?: string) =>
        violations.push({
            policy: policy.name,
            resource: fallbackUrn ?? urn ?? stackResource,
            level,
            message: message || policy.description,
        });

    // Runs one validation the way the engine does; true when it ran to the end.
    const run = async (policy: Policy, urn: string | undefined, validation: () => unknown) => {
        try {
            await Promise.resolve(validation());
        } catch (e) {
            if (e instanceof UnknownValueError) {
                violations.push({
                    policy: policy.name,
                    resource: urn ?? stackResource,
                    level: "advisory",
                    message: `can't run ${from(policy)} during preview: ${(e as Error).message}`,
                });
            } else if (e instanceof NotApplicableError) {
                notApplicable.push({ policy: policy.name, resource: urn, reason: e.reason });
            } else {
                throw new PolicyRuntimeError(`${from(policy)} failed on ${urn ?? "the stack"}: ${(e as Error).message ?? e}`);
            }
        }
    };

    const deserialized = resources.map((r) => ({ resource: r, props: deserialize(r.props) as Record<string, unknown> }));

    for (const policy of pack.policies) {
        const configured = levelOf(policy);
        if (configured === "disabled") continue;
        // A remediation would already have run; what still violates is reported mandatory.
        const level: Level = configured === "advisory" ? "advisory" : "mandatory";
        if (isResourcePolicy(policy)) {
            const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
            for (const { resource, props: plain } of deserialized) {
                for (const validation of validations) {
                    const props = unknownCheckingProxy(plain);
                    const args = {
                        type: resource.type,
                        props,
                        urn: resource.urn,
                        name: resource.name,
                        opts: optionsOf(resource),
                        stackTags,
                        isType: (c: ResourceClass) => isTypeOf(resource.type, c),
                        asType: (c: ResourceClass) => (isTypeOf(resource.type, c) ? props : undefined),
                        getConfig: getConfigFor(policy),
                        notApplicable: throwNotApplicable,
                    };
                    await run(policy, resource.urn, () => validation(args as never, reporter(policy, level, resource.urn)));
                }
            }
        } else if (isStackPolicy(policy)) {
            const token = (policy.validateStack as { __pulumiType?: string }).__pulumiType;
            if (token && !resources.some((r) => r.type === token)) {
                notApplicable.push({ policy: policy.name, reason: `Policy only applies to resources of type '${token}'` });
                continue;
            }
            const byUrn = new Map<string, PolicyResource>();
            const stackResources = deserialized.map(({ resource, props: plain }) => {
                const props = unknownCheckingProxy(plain);
                const entry = {
                    type: resource.type,
                    props,
                    urn: resource.urn,
                    name: resource.name,
                    opts: optionsOf(resource),
                    dependencies: [],
                    propertyDependencies: {},
                    isType: (c: ResourceClass) => isTypeOf(resource.type, c),
                    asType: (c: ResourceClass) => (isTypeOf(resource.type, c) ? props : undefined),
                } as unknown as PolicyResource;
                byUrn.set(resource.urn, entry);
                return entry;
            });
            resources.forEach((resource, i) => {
                const entry = stackResources[i];
                if (resource.parent && byUrn.has(resource.parent)) entry.parent = byUrn.get(resource.parent);
                for (const [key, urns] of Object.entries(resource.propertyDependencies ?? {})) {
                    entry.propertyDependencies[key] = urns.flatMap((u) => (byUrn.has(u) ? [byUrn.get(u)!] : []));
                }
                entry.dependencies = [...new Set(Object.values(entry.propertyDependencies).flat())];
            });
            const args = { resources: stackResources, stackTags, getConfig: getConfigFor(policy), notApplicable: throwNotApplicable };
            await run(policy, undefined, () => policy.validateStack(args, reporter(policy, level, undefined)));
        }
    }
    return { violations, notApplicable };
}
