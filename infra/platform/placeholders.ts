// Example values: what the committed Pulumi.staging.yaml and Pulumi.production.yaml hold until a
// new user fills in their own. Each is recognisable (the AWS documentation's example accounts and
// IDs, RFC 2606 domains, all-zero resource ids), so the offline plan can run on them while the
// program refuses them when a real engine runs a staging or production stack, and
// `npm run preflight` lists every one at once.

interface PlaceholderRule {
    pattern: RegExp;
    /** Why the value is an example, as preflight prints it. */
    reason: string;
}

export const placeholderRules: readonly PlaceholderRule[] = [
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html uses these accounts.
    { pattern: /\b(111122223333|444455556666|123456789012)\b/, reason: "an AWS documentation example account" },
    // RFC 2606 reserves these names for documentation.
    {
        pattern: /(^|[^a-z0-9-])example\.(com|org|net)\b|\.example$|\bexample-org\b/i,
        reason: "an RFC 2606 example domain or the example owner",
    },
    // AWS documentation ids carry EXAMPLE, e.g. the EKS OIDC id EXAMPLED539D4633E53DE1B71EXAMPLE.
    { pattern: /EXAMPLE/, reason: "an id marked EXAMPLE" },
    { pattern: /\b(vpc|subnet|sg)-0{15,}[0-9a-f]?\b/, reason: "an all-zero example resource id" },
    { pattern: /@sha256:0{64}\b/, reason: "an all-zero example digest" },
];

export interface Placeholder {
    /** Dotted key under the project namespace, e.g. cluster.privateSubnetIds[0]. */
    key: string;
    value: string;
    reason: string;
}

/** Every string leaf of `config` that is an example value, with its dotted key. */
export function findPlaceholders(config: unknown, prefix = ""): Placeholder[] {
    if (typeof config === "string") {
        const rule = placeholderRules.find((r) => r.pattern.test(config));
        return rule ? [{ key: prefix, value: config, reason: rule.reason }] : [];
    }
    if (Array.isArray(config)) return config.flatMap((v, i) => findPlaceholders(v, `${prefix}[${i}]`));
    if (config !== null && typeof config === "object") {
        return Object.entries(config).flatMap(([k, v]) => findPlaceholders(v, prefix ? `${prefix}.${k}` : k));
    }
    return [];
}

/**
 * The offline plan (src/plan, scripts/program-run) sets this, so it plans the committed stack files
 * as they are; a real `pulumi preview`/`up` never does and refuses their example values.
 */
export const exampleValuesVariable = "PNEUMONIA_EXAMPLE_VALUES";

export function exampleValuesAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
    return env[exampleValuesVariable] === "allow";
}
