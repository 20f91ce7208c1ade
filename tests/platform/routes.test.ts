// Routes: every probe target and every documented client call (method, host, path, header) is
// answered by the rule the Gateway API's matching picks as Envoy Gateway v1.9.0 programs Envoy
// (src/platform-check/routes.ts cites the sources): /health without a key, /predict with one;
// anything else is refused. Requests come from the rendered stack itself (tests/platform/render.ts):
// its public URL (stack output edgeUrl), its blackbox Probe targets, the ALB Ingress's health-check
// path, and the calls the README documents.
import { strict as assert } from "node:assert";
import { edgeNamespace } from "../../infra/edge";
import type { KubernetesObject } from "../../src/platform-check/objects";
import { answer } from "../../src/platform-check/routes";
import { stacks } from "../helpers/plan";
import { renderPlatform } from "./render";
import { checkRoutes, edgeGateway } from "./routes";

const gateway = edgeGateway;

/** A tiny gateway for the matcher's own cases. */
function gatewayWith(routes: Array<{ name: string; hostnames?: string[]; rules: any[] }>): KubernetesObject[] {
    const ns = edgeNamespace;
    return [
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: gateway.name, namespace: ns },
            spec: { listeners: [{ name: "https", port: 443, protocol: "HTTPS" }] },
        },
        ...routes.map((r) => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: r.name, namespace: ns },
            spec: {
                parentRefs: [{ name: gateway.name, sectionName: "https" }],
                ...(r.hostnames ? { hostnames: r.hostnames } : {}),
                rules: r.rules.map((rule) => ({ ...rule, backendRefs: [{ name: r.name, port: 8000 }] })),
            },
        })),
    ];
}

describe("platform: routes at the edge gateway", () => {
    it("picks one virtual host per Host (exact > wildcard > none) and never falls back to another", () => {
        const objects = gatewayWith([
            {
                name: "exact",
                hostnames: ["api.example.org"],
                rules: [{ matches: [{ path: { type: "Exact", value: "/predict" }, method: "POST" }] }],
            },
            { name: "wildcard", hostnames: ["*.example.org"], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }] },
            { name: "any", rules: [{ matches: [{ path: { type: "Exact", value: "/health" } }] }] },
        ]);
        const at = (host: string, method: string, path: string) => answer(objects, gateway, { port: 443, host, method, path });
        assert.equal(at("api.example.org", "POST", "/predict").rule, "edge/exact#0");
        // Issue 21 finding 4's shape: the exact host holds only POST /predict, so its /health is 404.
        assert.equal(at("api.example.org:443", "GET", "/health").status, 404);
        assert.equal(at("other.example.org", "GET", "/health").rule, "edge/wildcard#0");
        assert.equal(at("10.0.0.1:10443", "GET", "/health").rule, "edge/any#0");
        assert.equal(at("10.0.0.1", "GET", "/healthz").status, 404);
    });

    it("orders matches as the Gateway API does: Exact, longest prefix, method, headers; element-wise prefixes", () => {
        const objects = gatewayWith([
            {
                name: "b-prefix",
                rules: [
                    { matches: [{ path: { type: "PathPrefix", value: "/api" } }] },
                    { matches: [{ path: { type: "PathPrefix", value: "/api/v1" } }] },
                ],
            },
            {
                name: "a-exact",
                rules: [
                    { matches: [{ path: { type: "Exact", value: "/api/v1/x" } }] },
                    {
                        matches: [
                            { path: { type: "PathPrefix", value: "/api/v1" }, method: "GET", headers: [{ name: "X-Canary", value: "1" }] },
                        ],
                    },
                ],
            },
        ]);
        const at = (method: string, path: string, headers?: Record<string, string>) =>
            answer(objects, gateway, { port: 443, host: "h", method, path, headers }).rule;
        assert.equal(at("POST", "/api/v1/x"), "edge/a-exact#0");
        assert.equal(at("POST", "/api/v1/y"), "edge/b-prefix#1");
        assert.equal(at("GET", "/api/v1/y", { "x-canary": "1" }), "edge/a-exact#1");
        assert.equal(at("GET", "/api/v1/y"), "edge/b-prefix#1");
        assert.equal(at("GET", "/api/v10"), "edge/b-prefix#0");
        assert.equal(at("GET", "/apix"), undefined);
    });

    it("refuses a cross-namespace backend without a ReferenceGrant", () => {
        const objects = gatewayWith([{ name: "r", rules: [{}] }]);
        (objects[1]!.spec as any).rules[0].backendRefs[0].namespace = "pneumonia";
        assert.equal(answer(objects, gateway, { port: 443, host: "h", method: "GET", path: "/" }).status, 500);
    });

    for (const stack of stacks) {
        it(`answers every probe and documented call, and nothing else (${stack})`, async () => {
            const check = checkRoutes(await renderPlatform(stack));
            assert.deepEqual(check.findings, []);
            console.log(`      ${stack}: ${check.answered} calls answered as needed, ${check.refused} refused`);
        });
    }
});
