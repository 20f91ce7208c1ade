// How every policy of the pack is declared: engine metadata (severity, source, config schema)
// plus the exemptions every policy accepts from its config.
import type {
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** A resource a policy does not apply to, and why: reviewed like code, so the reason is required. */
export interface Exemption {
    /** The resource's name, `type::name` or URN. */
    resource: string;
    reason: string;
}

export interface PolicyInfo {
    /** The policy id, kebab-case, unique in the pack. */
    name: string;
    description: string;
    severity: Severity;
    framework: PolicyComplianceFramework;
    remediationSteps: string;
}

export type PlatformPolicy = (ResourceValidationPolicy | StackValidationPolicy) &
    PolicyInfo & { configSchema: PolicyConfigSchema; enforcementLevel: "mandatory" };

type Properties = Record<string, PolicyConfigJSONSchema>;
type WithExemptions<C> = C & { exemptions: Exemption[] };

const exemptionsSchema: PolicyConfigJSONSchema = {
    type: "array",
    description: "Resources this policy does not apply to, each with the reason it was accepted.",
    default: [],
    items: {
        type: "object",
        required: ["resource", "reason"],
        additionalProperties: false,
        properties: {
            resource: { type: "string", minLength: 1, description: "Resource name, type::name or URN." },
            reason: { type: "string", minLength: 10 },
        },
    },
};

function schema(properties: Properties): PolicyConfigSchema {
    return { properties: { ...properties, exemptions: exemptionsSchema } };
}

export interface Identified {
    urn: string;
    name: string;
    type: string;
}

export function exemptionFor(exemptions: Exemption[] | undefined, resource: Identified): Exemption | undefined {
    const keys = [resource.urn, resource.name, `${resource.type}::${resource.name}`];
    return (exemptions ?? []).find((e) => keys.includes(e.resource));
}

/** A policy checking one resource at a time; exempt resources are reported not applicable. */
export function resourcePolicy<C extends object = object>(
    info: PolicyInfo,
    config: Properties,
    validate: (args: ResourceValidationArgs, report: ReportViolation, config: WithExemptions<C>) => void,
): PlatformPolicy {
    return {
        ...info,
        enforcementLevel: "mandatory",
        configSchema: schema(config),
        validateResource: (args, report) => {
            const settings = args.getConfig<WithExemptions<C>>();
            const exemption = exemptionFor(settings.exemptions, args);
            if (exemption) return args.notApplicable(`exempt: ${exemption.reason}`);
            validate(args, report, settings);
        },
    };
}

/** A policy over the whole stack; violations on exempt resources are dropped. */
export function stackPolicy<C extends object = object>(
    info: PolicyInfo,
    config: Properties,
    validate: (args: StackValidationArgs, report: ReportViolation, config: WithExemptions<C>) => void,
): PlatformPolicy {
    return {
        ...info,
        enforcementLevel: "mandatory",
        configSchema: schema(config),
        validateStack: (args, report) => {
            const settings = args.getConfig<WithExemptions<C>>();
            const byUrn = new Map(args.resources.map((r) => [r.urn, r]));
            validate(
                args,
                (message, urn) => {
                    const resource = urn === undefined ? undefined : byUrn.get(urn);
                    if (!resource || !exemptionFor(settings.exemptions, resource)) report(message, urn);
                },
                settings,
            );
        },
    };
}
