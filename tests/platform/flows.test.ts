// Flows: every flow the architecture needs (tests/platform/flows.ts derives them from the rendered
// stack) is allowed by the NetworkPolicies with their real semantics (src/platform-check/network-policy.ts,
// after https://kubernetes.io/docs/concepts/services-networking/network-policies/), and every other
// connection into or out of the application namespace is denied.
import { strict as assert } from "node:assert";
import { NetworkPolicyEvaluator, type ContainerPort, type Endpoint, type NetworkPolicy } from "../../src/platform-check/network-policy";
import { stacks } from "../helpers/plan";
import { checkFlows, evaluator, outside, platformNetwork } from "./flows";
import { renderPlatform } from "./render";

const pod = (name: string, namespace: string, labels: Record<string, string>, ports: ContainerPort[] = []): Endpoint => ({
    kind: "pod",
    name,
    namespace,
    labels,
    ports,
    ip: "10.0.64.9",
});
const policy = (name: string, namespace: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({ metadata: { name, namespace }, spec });

describe("platform: NetworkPolicy semantics", () => {
    const web = pod("app/web", "app", { app: "web" }, [{ name: "http", containerPort: 8080 }]);
    const client = pod("app/client", "app", { app: "client" });
    const monitor = pod("mon/prom", "mon", { app: "prom" });
    const stranger = pod("other/prom", "other", { app: "prom" });
    const namespaces = { app: {}, mon: { team: "obs" }, other: {} };

    it("allows everything without policies; a default deny isolates both directions", () => {
        assert.equal(new NetworkPolicyEvaluator([], namespaces).evaluate({ from: client, to: web, port: 8080 }).allowed, true);
        const deny = new NetworkPolicyEvaluator(
            [policy("default-deny", "app", { podSelector: {}, policyTypes: ["Ingress", "Egress"] })],
            namespaces,
        );
        assert.match(deny.evaluate({ from: client, to: web, port: 8080 }).reason!, /^egress of app\/client/);
        assert.match(deny.evaluate({ from: monitor, to: web, port: 8080 }).reason!, /^ingress of app\/web:8080\/TCP/);
    });

    it("implies Ingress when policyTypes is unset, and Egress only when egress rules exist", () => {
        const ingressOnly = new NetworkPolicyEvaluator([policy("p", "app", { podSelector: {} })], namespaces);
        assert.equal(ingressOnly.evaluate({ from: client, to: web, port: 8080 }).allowed, false);
        assert.equal(ingressOnly.isolating(client, "Egress").length, 0);
        const withEgress = new NetworkPolicyEvaluator(
            [policy("p", "app", { podSelector: {}, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] })],
            namespaces,
        );
        assert.equal(withEgress.isolating(client, "Egress").length, 1);
    });

    it("needs egress AND ingress", () => {
        const policies = [
            policy("default-deny", "app", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
            policy("web-in", "app", {
                podSelector: { matchLabels: { app: "web" } },
                ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: "http" }] }],
            }),
        ];
        assert.match(new NetworkPolicyEvaluator(policies, namespaces).evaluate({ from: client, to: web, port: "http" }).reason!, /^egress/);
        const both = [
            ...policies,
            policy("client-out", "app", {
                podSelector: { matchLabels: { app: "client" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 8080 }] }],
            }),
        ];
        assert.equal(new NetworkPolicyEvaluator(both, namespaces).evaluate({ from: client, to: web, port: "http" }).allowed, true);
    });

    it("ANDs namespaceSelector and podSelector in one peer, ORs them in two, and knows kubernetes.io/metadata.name", () => {
        const and = [
            policy("in", "app", {
                podSelector: {},
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mon" } },
                                podSelector: { matchLabels: { app: "prom" } },
                            },
                        ],
                    },
                ],
            }),
        ];
        const evaluator = new NetworkPolicyEvaluator(and, namespaces);
        assert.equal(evaluator.evaluate({ from: monitor, to: web, port: 8080 }).allowed, true);
        assert.equal(evaluator.evaluate({ from: stranger, to: web, port: 8080 }).allowed, false);
        assert.equal(evaluator.evaluate({ from: client, to: web, port: 8080 }).allowed, false);
        const or = [
            policy("in", "app", {
                podSelector: {},
                ingress: [
                    { from: [{ namespaceSelector: { matchLabels: { team: "obs" } } }, { podSelector: { matchLabels: { app: "prom" } } }] },
                ],
            }),
        ];
        assert.equal(
            new NetworkPolicyEvaluator(or, namespaces).evaluate({ from: stranger, to: web, port: 8080 }).allowed,
            false,
            "podSelector alone means the policy's namespace",
        );
        assert.equal(new NetworkPolicyEvaluator(or, namespaces).evaluate({ from: monitor, to: web, port: 8080 }).allowed, true);
    });

    it("resolves named ports on the target, checks protocol and endPort, and ipBlock with except", () => {
        const named = new NetworkPolicyEvaluator(
            [policy("in", "app", { podSelector: {}, ingress: [{ ports: [{ port: "http" }] }] })],
            namespaces,
        );
        assert.equal(named.evaluate({ from: client, to: web, port: 8080 }).allowed, true);
        assert.equal(named.evaluate({ from: client, to: web, port: 8081 }).allowed, false);
        assert.equal(named.evaluate({ from: client, to: web, port: 8080, protocol: "UDP" }).allowed, false);
        const range = new NetworkPolicyEvaluator(
            [policy("in", "app", { podSelector: {}, ingress: [{ ports: [{ port: 8000, endPort: 8100 }] }] })],
            namespaces,
        );
        assert.equal(range.evaluate({ from: client, to: web, port: 8080 }).allowed, true);
        const block = new NetworkPolicyEvaluator(
            [
                policy("out", "app", {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.0.0/24"] } }] }],
                }),
            ],
            namespaces,
        );
        assert.equal(block.evaluate({ from: client, to: outside.loadBalancer, port: 443 }).allowed, true);
        assert.equal(block.evaluate({ from: client, to: outside.apiServer, port: 443 }).allowed, false);
        assert.equal(block.evaluate({ from: client, to: outside.internet, port: 443 }).allowed, false);
    });
});

describe("platform: flows the architecture needs", function () {
    this.timeout(120_000);

    for (const stack of stacks) {
        it(`allows every needed flow (${stack})`, async () => {
            const check = checkFlows(await renderPlatform(stack));
            // Each line of the architecture's table found its endpoints, so no line passes vacuously.
            assert.deepEqual(check.unmatched, []);
            assert.deepEqual(check.refused, []);
        });

        it(`denies every other connection of the application namespace (${stack})`, async () => {
            const check = checkFlows(await renderPlatform(stack));
            assert.deepEqual(check.allowedOthers, []);
            console.log(
                `      ${stack}: ${check.needed} needed flows allowed; ${check.others} other connections of ${check.namespace} denied`,
            );
        });
    }

    it("lets Envoy Gateway's certgen hook reach the API server (issue 21 finding 2)", async () => {
        // gateway-helm v1.9.0 templates/certgen.yaml: a pre-install/pre-upgrade hook Job, pod label app: certgen,
        // backoffLimit 1, that creates the control plane's TLS Secrets through the API server.
        for (const stack of stacks) {
            const network = platformNetwork(await renderPlatform(stack));
            const certgen = network.pods.find((p) => p.hook && p.labels.app === "certgen");
            assert.ok(certgen, `${stack}: no certgen hook pod rendered`);
            const toApi = network.flows.filter((f) => f.from === certgen && f.to === outside.apiServer);
            assert.ok(toApi.length, `${stack}: certgen's service account is bound by RBAC, so it calls the API server`);
            for (const flow of toApi) assert.deepEqual(evaluator(network).evaluate(flow), { allowed: true }, `${stack}: ${flow.what}`);
        }
    });
});
