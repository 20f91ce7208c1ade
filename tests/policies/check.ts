// Runs one policy of the pack over resources, with the pack's defaults plus `settings`.
import { reconcileConfig } from "../../src/policy/config";
import { evaluate, type InputResource, type Violation } from "../../src/policy/evaluate";
import { pack } from "../../src/policy/pack";

export async function violations(
    policyName: string,
    resources: InputResource[],
    settings: Record<string, unknown> = {},
): Promise<Violation[]> {
    const policy = pack.policies.find((p) => p.name === policyName);
    if (!policy) throw new Error(`no policy ${policyName} in the pack`);
    const config = reconcileConfig([policy], { [policyName]: settings }, "test");
    return (await evaluate({ ...pack, policies: [policy] }, resources, config)).violations;
}

/** Messages of the violations, for readable assertions. */
export async function messages(policyName: string, resources: InputResource[], settings: Record<string, unknown> = {}): Promise<string[]> {
    return (await violations(policyName, resources, settings)).map((v) => v.message);
}
