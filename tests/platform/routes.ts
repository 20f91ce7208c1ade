// The calls the architecture needs the edge to answer, and the ones it must refuse, taken from the
// rendered stack (tests/platform/render.ts): its public URL (stack output edgeUrl), its blackbox Probe
// targets, the ALB Ingress's health-check path, and the calls the README documents; each answered as
// the Gateway API's matching picks it in Envoy Gateway v1.9.0 (src/platform-check/routes.ts).
import { credentialHeaders, edgeNames, envoyPorts } from "../../infra/edge/gateway";
import { edgeNamespace } from "../../infra/edge";
import type { KubernetesObject } from "../../src/platform-check/objects";
import { answer, type HttpRequest, type RouteAnswer } from "../../src/platform-check/routes";
import type { RenderedPlatform } from "./render";

/** The edge's Gateway. */
export const edgeGateway = { namespace: edgeNamespace, name: edgeNames.gateway };

const key = { [credentialHeaders.apiKey]: "k" };

export interface Call {
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

export function callsOf(stack: string, objects: KubernetesObject[], publicUrl: string): { needed: Call[]; refused: Call[] } {
    const needed: Call[] = [
        {
            who: "client: POST /predict with a key (README)",
            request: get(`${publicUrl}/predict`, "POST", key),
            expect: { status: 200, key: true },
        },
        { who: "client: POST /predict without a key", request: get(`${publicUrl}/predict`, "POST"), expect: { status: 401, key: true } },
        {
            who: "anyone: GET /health on the public host (EdgePublicEndpointDown's probe)",
            request: get(`${publicUrl}/health`),
            expect: { status: 200, key: false },
        },
        {
            who: "client: http:// is redirected to https://",
            request: get(`${publicUrl.replace("https:", "http:")}/predict`, "POST"),
            expect: { status: 301, key: false },
        },
    ];
    // The blackbox exporter's targets that go through the gateway (the Probe objects of the edge).
    for (const probe of objects.filter((o) => o.kind === "Probe")) {
        for (const url of ((probe.spec as any)?.targets?.staticConfig?.static ?? []) as string[]) {
            const u = new URL(url.includes("://") ? url : `tcp://${url}`);
            const viaGateway =
                u.host.split(":")[0] === new URL(publicUrl).hostname ||
                u.hostname.startsWith(`${edgeNames.envoyService}.${edgeNamespace}.`);
            if (viaGateway)
                needed.push({ who: `probe ${probe.metadata.name}: GET ${url}`, request: get(url), expect: { status: 200, key: false } });
        }
    }
    // The ALB's health check targets the pod by address: its Host is the target's IP and port, not the public name.
    for (const ingress of objects.filter((o) => o.kind === "Ingress")) {
        const path = ingress.metadata.annotations?.["alb.ingress.kubernetes.io/healthcheck-path"];
        if (!path) throw new Error(`Ingress ${ingress.metadata.name}: no health-check path`);
        needed.push({
            who: `ALB health check: GET ${path} by target address`,
            request: { port: envoyPorts.https, host: `10.0.12.34:${envoyPorts.httpsContainer}`, method: "GET", path },
            expect: { status: 200, key: false },
        });
    }
    if (stack === "local") {
        const local = new URL(publicUrl);
        needed.push({
            who: "laptop: POST /predict through kubectl port-forward :8443 (README)",
            request: { ...get(`https://${local.hostname}:8443/predict`, "POST", key), port: envoyPorts.https },
            expect: { status: 200, key: true },
        });
    }
    const refused: Call[] = [
        { who: "GET /predict", request: get(`${publicUrl}/predict`, "GET", key), expect: { status: 404, key: false } },
        { who: "POST /health", request: get(`${publicUrl}/health`, "POST"), expect: { status: 404, key: false } },
        { who: "GET /metrics", request: get(`${publicUrl}/metrics`, "GET", key), expect: { status: 404, key: false } },
        {
            who: "GET /predict/../metrics-like prefix",
            request: get(`${publicUrl}/predictions`, "POST", key),
            expect: { status: 404, key: false },
        },
        { who: "GET /", request: get(`${publicUrl}/`), expect: { status: 404, key: false } },
    ];
    return { needed, refused };
}

export function checkCall(objects: KubernetesObject[], call: Call): string | undefined {
    const got: RouteAnswer = answer(objects, edgeGateway, call.request);
    const keyed = got.apiKeyHeader !== undefined;
    if (got.status !== call.expect.status || (got.status !== 404 && got.status !== 301 && keyed !== call.expect.key)) {
        return `${call.who}: ${got.status} ${got.detail}${keyed ? " (key required)" : ""}, expected ${call.expect.status}${call.expect.key ? " with a key" : ""}`;
    }
    if (got.status === 200 && !/\/Service\/detector:/.test(got.backend ?? ""))
        return `${call.who}: forwarded to ${got.backend}, not the detector`;
    return undefined;
}

export interface RouteCheck {
    answered: number;
    refused: number;
    findings: string[];
}

/** Every needed call answered as needed, every other call refused. */
export function checkRoutes(platform: RenderedPlatform): RouteCheck {
    const objects = platform.objects.map((o) => o.object as KubernetesObject);
    const publicUrl = platform.plan.outputs.edgeUrl;
    if (typeof publicUrl !== "string" || !publicUrl.startsWith("https://"))
        return { answered: 0, refused: 0, findings: [`stack output edgeUrl is not an https URL: ${String(publicUrl)}`] };
    const { needed, refused } = callsOf(platform.stack, objects, publicUrl);
    return {
        answered: needed.length,
        refused: refused.length,
        findings: [...needed, ...refused].flatMap((call) => checkCall(objects, call) ?? []),
    };
}
