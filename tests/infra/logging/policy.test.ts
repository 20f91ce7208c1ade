// The log agent's namespace against the policy pack, as each stack plans it: the one namespace
// allowed to run privileged pods for its host path is exempted by name with a reason, and the
// same namespace without that exemption is a violation.
import { strict as assert } from "node:assert";
import { loadStackConfig, reconcileConfig } from "../../../src/policy/config";
import { evaluate } from "../../../src/policy/evaluate";
import { pack } from "../../../src/policy/pack";
import { planResources } from "../../../src/policy/run";
import { agentNamespaceSuffix } from "../../../infra/logging/values";
import { plan, stacks } from "../../helpers/plan";

const policyName = "kubernetes-namespace-pod-security";

describe("logging: the agent's namespace and the policy pack", () => {
    for (const stack of stacks) {
        it(`${stack}: the agent namespace is exempt by name, with a reason naming the host path; every other namespace stays restricted`, async () => {
            const resources = planResources(await plan(stack));
            const namespaces = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace");
            const agent = namespaces.find((r) => (r.props as any).metadata.name === `monitoring${agentNamespaceSuffix}`)!;
            assert.equal((agent.props as any).metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");

            const config = loadStackConfig(stack, pack.policies);
            const exemptions = config.get(policyName)!.properties.exemptions as Array<{ resource: string; reason: string }>;
            const exemption = exemptions.find((e) => e.resource === agent.name);
            assert.ok(exemption, `policies/config/${stack}.json exempts ${agent.name}`);
            assert.match(exemption.reason, /\/var\/log\/pods/);
            assert.match(exemption.reason, /read-only/);

            const policy = pack.policies.find((p) => p.name === policyName)!;
            const withExemptions = await evaluate({ ...pack, policies: [policy] }, namespaces, config);
            assert.deepEqual(withExemptions.violations, []);

            const without = reconcileConfig(
                [policy],
                { [policyName]: { exemptions: exemptions.filter((e) => e.resource !== agent.name) } },
                "test",
            );
            const violations = (await evaluate({ ...pack, policies: [policy] }, namespaces, without)).violations;
            assert.deepEqual(
                violations.map((v) => v.message),
                [`Namespace monitoring${agentNamespaceSuffix}: pod-security.kubernetes.io/enforce is privileged, expected restricted`],
            );
        });
    }
});
