// Routes: every probe target and every documented client call (method, host, path, header) is
// answered by the rule the Gateway API's matching picks as Envoy Gateway v1.9.0 programs Envoy
// (src/platform-check/routes.ts cites the sources): /health without a key, /predict with one;
// anything else is refused. Requests come from the rendered stack itself (tests/platform/render.ts):
// its public URL (stack output edgeUrl), its blackbox Probe targets, the ALB Ingress's health-check
// path, and the calls the README documents.
import { strict as assert } from "node:assert";
import { credentialHeaders, edgeNames, envoyPorts } from "../../infra/edge/gateway";
import { edgeNamespace } from "../../infra/edge";
import type { KubernetesObject } from "../../src/platform-check/objects";
import { answer, type HttpRequest, type RouteAnswer } from "../../src/platform-check/routes";
import { stacks } from "../helpers/plan";
import { renderPlatform } from "./render";

const gateway = { namespace: edgeNamespace, name: edgeNames.gateway };
const key = { [credentialHeaders.apiKey]: "k" };

interface Call {
    who: string;
    request: HttpRequest;
    /** The answer the architecture needs: status, and whether a key was demanded. */
    expect: { status: number; key: boolean };
}

/** A request for a URL, as curl or the blackbox exporter sends it (Host = the URL's authority). */
function get(url: string, method = "GET", headers: Record<string, string> = {}): HttpRequest {
    const u = new URL(url);
    return { port: u.protocol === "https:" ? envoyPorts.https : envoyPorts.http, host: u.host, method, path: u.pathname, headers };
}

function callsOf(stack: string, objects: KubernetesObject[], publicUrl: string): { needed: Call[]; refused: Call[] } {
    const needed: Call[] = [
        { who: "client: POST /predict with a key (README)", request: get(`${publicUrl}/predict`, "POST", key), expect: { status: 200, key: true } },
        { who: "client: POST /predict without a key", request: get(`${publicUrl}/predict`, "POST"), expect: { status: 401, key: true } },
        { who: "anyone: GET /health on the public host (EdgePublicEndpointDown's probe)", request: get(`${publicUrl}/health`), expect: { status: 200, key: false } },
        { who: "client: http:// is redirected to https://", request: get(`${publicUrl.replace("https:", "http:")}/predict`, "POST"), expect: { status: 301, key: false } },
    ];
    // The blackbox exporter's targets that go through the gateway (the Probe objects of the edge).
    for (const probe of objects.filter((o) => o.kind === "Probe")) {
        for (const url of (probe.spec?.targets?.staticConfig?.static ?? []) as string[]) {
            const u = new URL(url.includes("://") ? url : `tcp://${url}`);
            const viaGateway = u.host.split(":")[0] === new URL(publicUrl).hostname || u.hostname.startsWith(`${edgeNames.envoyService}.${edgeNamespace}.`);
            if (viaGateway) needed.push({ who: `probe ${probe.metadata.name}: GET ${url}`, request: get(url), expect: { status: 200, key: false } });
        }
    }
    // The ALB's health check targets the pod by address: its Host is the target's IP and port, not the public name.
    for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
        const path = ingress.metadata.annotations?.["alb.ingress.kubernetes.io/healthcheck-path"];
        assert.ok(path, `${ingress.metadata.name}: no health-check path`);
        needed.push({ who: `ALB health check: GET ${path} by target address`, request: { port: envoyPorts.https, host: `10.0.12.34:${envoyPorts.httpsContainer}`, method: "GET", path }, expect: { status: 200, key: false } });
    }
    if (stack === "local") {
        const local = new URL(publicUrl);
        needed.push({ who: "laptop: POST /predict through kubectl port-forward :8443 (README)", request: { ...get(`https://${local.hostname}:8443/predict`, "POST", key), port: envoyPorts.https }, expect: { status: 200, key: true } });
    }
    const refused: Call[] = [
        { who: "GET /predict", request: get(`${publicUrl}/predict`, "GET", key), expect: { status: 404, key: false } },
        { who: "POST /health", request: get(`${publicUrl}/health`, "POST"), expect: { status: 404, key: false } },
        { who: "GET /metrics", request: get(`${publicUrl}/metrics`, "GET", key), expect: { status: 404, key: false } },
        { who: "GET /predict/../metrics-like prefix", request: get(`${publicUrl}/predictions`, "POST", key), expect: { status: 404, key: false } },
        { who: "GET /", request: get(`${publicUrl}/`), expect: { status: 404, key: false } },
    ];
    return { needed, refused };
}

function check(objects: KubernetesObject[], call: Call): string | undefined {
    const got: RouteAnswer = answer(objects, gateway, call.request);
    const keyed = got.apiKeyHeader !== undefined;
    if (got.status !== call.expect.status || (got.status !== 404 && got.status !== 301 && keyed !== call.expect.key)) {
        return `${call.who}: ${got.status} ${got.detail}${keyed ? " (key required)" : ""}, expected ${call.expect.status}${call.expect.key ? " with a key" : ""}`;
    }
    if (got.status === 200 && !/\/Service\/detector:/.test(got.backend ?? "")) return `${call.who}: forwarded to ${got.backend}, not the detector`;
    return undefined;
}

/** A tiny gateway for the matcher's own cases. */
function gatewayWith(routes: Array<{ name: string; hostnames?: string[]; rules: any[] }>): KubernetesObject[] {
    const ns = edgeNamespace;
    return [
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: gateway.name, namespace: ns }, spec: { listeners: [{ name: "https", port: 443, protocol: "HTTPS" }] } },
        ...routes.map((r) => ({
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name: r.name, namespace: ns },
            spec: { parentRefs: [{ name: gateway.name, sectionName: "https" }], ...(r.hostnames ? { hostnames: r.hostnames } : {}), rules: r.rules.map((rule) => ({ ...rule, backendRefs: [{ name: r.name, port: 8000 }] })) },
        })),
    ];
}

describe("platform: routes at the edge gateway", () => {
    it("picks one virtual host per Host (exact > wildcard > none) and never falls back to another", () => {
        const objects = gatewayWith([
            { name: "exact", hostnames: ["api.example.org"], rules: [{ matches: [{ path: { type: "Exact", value: "/predict" }, method: "POST" }] }] },
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
            { name: "b-prefix", rules: [{ matches: [{ path: { type: "PathPrefix", value: "/api" } }] }, { matches: [{ path: { type: "PathPrefix", value: "/api/v1" } }] }] },
            { name: "a-exact", rules: [{ matches: [{ path: { type: "Exact", value: "/api/v1/x" } }] }, { matches: [{ path: { type: "PathPrefix", value: "/api/v1" }, method: "GET", headers: [{ name: "X-Canary", value: "1" }] }] }] },
        ]);
        const at = (method: string, path: string, headers?: Record<string, string>) => answer(objects, gateway, { port: 443, host: "h", method, path, headers }).rule;
        assert.equal(at("POST", "/api/v1/x"), "edge/a-exact#0");
        assert.equal(at("POST", "/api/v1/y"), "edge/b-prefix#1");
        assert.equal(at("GET", "/api/v1/y", { "x-canary": "1" }), "edge/a-exact#1");
        assert.equal(at("GET", "/api/v1/y"), "edge/b-prefix#1");
        assert.equal(at("GET", "/api/v10"), "edge/b-prefix#0");
        assert.equal(at("GET", "/apix"), undefined);
    });

    it("refuses a cross-namespace backend without a ReferenceGrant", () => {
        const objects = gatewayWith([{ name: "r", rules: [{}] }]);
        (objects[1]!.spec.rules[0].backendRefs[0] as any).namespace = "pneumonia";
        assert.equal(answer(objects, gateway, { port: 443, host: "h", method: "GET", path: "/" }).status, 500);
    });

    for (const stack of stacks) {
        it(`answers every probe and documented call, and nothing else (${stack})`, async () => {
            const platform = await renderPlatform(stack);
            const objects = platform.objects.map((o) => o.object as KubernetesObject);
            const publicUrl = platform.plan.outputs.edgeUrl as string;
            assert.match(publicUrl, /^https:\/\//);
            const { needed, refused } = callsOf(stack, objects, publicUrl);
            const failures = [...needed, ...refused].flatMap((call) => check(objects, call) ?? []);
            assert.deepEqual(failures, []);
            console.log(`      ${stack}: ${needed.length} calls answered as needed, ${refused.length} refused`);
        });
    }
});
