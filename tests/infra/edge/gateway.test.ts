// The gateway's objects against the CRDs of the pinned Envoy Gateway chart, and the rules of
// those APIs the schema alone does not carry (the CEL rules), written from their documentation.
import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../../infra/config";
import {
    accessLogFormat,
    clientCredentials,
    credentialHeaders,
    edgeNames,
    edgeTimeouts,
    gatewayObjects,
} from "../../../infra/edge/gateway";
import { objectives } from "../../../infra/observability/objectives";
import { validateCustomResource } from "../../helpers/crd-schema";
import { stackConfig } from "../monitoring/helpers";

const config = stackConfig("production").edge;
const objects = gatewayObjects({
    config,
    namespace: "edge",
    appNamespace: "pneumonia",
    detectorService: "detector",
    detectorPort: 8000,
    behindLoadBalancer: true,
    proxyReplicas: 3,
});
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    assert.ok(found, `${kind} ${name}`);
    return found as any;
};
/** Gateway API duration (GEP-2257): digits and h/m/s/ms units, e.g. 1h30m or 10s. */
function seconds(duration: string): number {
    assert.match(duration, /^([0-9]{1,5}(h|m|s|ms)){1,4}$/);
    const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
    return [...duration.matchAll(/(\d+)(ms|h|m|s)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

describe("infra/edge gateway objects", () => {
    it("pass the openAPIV3Schema of the CRDs gateway-helm v1.9.0 installs", () => {
        assert.deepEqual(objects.map((o) => o.kind).sort(), [
            "BackendTrafficPolicy",
            "ClientTrafficPolicy",
            "EnvoyProxy",
            "Gateway",
            "GatewayClass",
            "HTTPRoute",
            "HTTPRoute",
            "HTTPRoute",
            "HTTPRoute",
            "ReferenceGrant",
            "SecurityPolicy",
        ]);
        for (const o of objects) validateCustomResource(o as unknown as Record<string, unknown>);
    });

    it("puts every object in the edge namespace but the cluster-scoped GatewayClass and the ReferenceGrant (beside the detector)", () => {
        assert.deepEqual(
            objects.map((o) => [o.kind, o.metadata.namespace]).filter(([, ns]) => ns !== "edge"),
            [
                ["GatewayClass", undefined],
                ["ReferenceGrant", "pneumonia"],
            ],
        );
    });

    it("the schema check refuses a misspelt field and a wrong type", () => {
        const policy = structuredClone(named("SecurityPolicy", edgeNames.callerPolicy));
        policy.spec.apiKeyAuth.forwardClientIdHeader = policy.spec.apiKeyAuth.forwardClientIDHeader;
        assert.throws(() => validateCustomResource(policy), /forwardClientIdHeader/);
        const gateway = structuredClone(named("Gateway", edgeNames.gateway));
        gateway.spec.listeners[0].port = "443";
        assert.throws(() => validateCustomResource(gateway), /port must be integer/);
        const tls = structuredClone(named("ClientTrafficPolicy", "edge-clients"));
        tls.spec.tls.minVersion = "1.1.1";
        assert.throws(() => validateCustomResource(tls), /minVersion must be equal to one of the allowed values/);
    });

    it("checks every caller's key on /predict and forwards only the caller's id (SecurityPolicy apiKeyAuth)", () => {
        const auth = named("SecurityPolicy", edgeNames.callerPolicy).spec;
        assert.deepEqual(auth.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: edgeNames.predictRoute }]);
        assert.deepEqual(
            auth.apiKeyAuth.credentialRefs.map((r: any) => r.name),
            [edgeNames.clientKeysSecret],
        );
        assert.deepEqual(auth.apiKeyAuth.extractFrom, [{ headers: [credentialHeaders.apiKey] }]);
        assert.equal(auth.apiKeyAuth.forwardClientIDHeader, credentialHeaders.clientId);
        assert.equal(auth.apiKeyAuth.sanitize, true, "the key is stripped before the detector");
        // Every route that reaches the detector is either behind the key check or GET /health.
        for (const route of byKind("HTTPRoute").filter((r: any) => r.spec.rules.some((rule: any) => rule.backendRefs))) {
            const guarded = auth.targetRefs.some((t: any) => t.name === route.metadata.name);
            const onlyHealth = (route.spec as any).rules.every((rule: any) =>
                rule.matches.every((m: any) => m.path.value === "/health" && m.method === "GET"),
            );
            assert.ok(guarded || onlyHealth, `${route.metadata.name} reaches the detector without a key check`);
        }
    });

    it("routes /predict on the public host and /health to the detector Service on 8000, across namespaces by ReferenceGrant", () => {
        const predict = named("HTTPRoute", edgeNames.predictRoute).spec;
        assert.deepEqual(predict.hostnames, [config.host]);
        assert.deepEqual(predict.rules[0].matches, [{ path: { type: "Exact", value: "/predict" }, method: "POST" }]);
        assert.deepEqual(predict.rules[0].backendRefs, [
            { group: "", kind: "Service", name: "detector", namespace: "pneumonia", port: 8000 },
        ]);
        const grant = named("ReferenceGrant", `${edgeNames.gateway}-to-detector`);
        assert.equal(grant.metadata.namespace, "pneumonia", "a ReferenceGrant lives in the namespace of the referent");
        assert.deepEqual(grant.spec.from, [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "edge" }]);
        assert.deepEqual(grant.spec.to, [{ group: "", kind: "Service", name: "detector" }]);
    });

    it("terminates TLS 1.2+ with HTTP/2 offered, and answers plain HTTP with a redirect to https", () => {
        const gateway = named("Gateway", edgeNames.gateway).spec;
        const https = gateway.listeners.find((l: any) => l.protocol === "HTTPS");
        assert.deepEqual(https.tls.certificateRefs, [{ kind: "Secret", name: edgeNames.tlsSecret }]);
        const client = named("ClientTrafficPolicy", "edge-clients").spec;
        assert.equal(client.tls.minVersion, "1.2");
        assert.deepEqual(client.tls.alpnProtocols, ["h2", "http/1.1"]);
        const redirect = named("HTTPRoute", edgeNames.redirectRoute).spec;
        assert.equal(redirect.parentRefs[0].sectionName, "http");
        assert.deepEqual(redirect.rules[0].filters, [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }]);
        assert.equal(redirect.rules[0].backendRefs, undefined, "nothing on port 80 reaches the detector");
    });

    it("refuses bodies over edge.maxRequestSize (20 MiB: the detector contract's limit) with 413 at the edge", () => {
        assert.deepEqual(named("BackendTrafficPolicy", "edge-requests").spec.requestBuffer, { limit: "20Mi" });
        const small = gatewayObjects({ ...argsWith({ maxRequestSize: "5Mi" }) }).find((o) => o.kind === "BackendTrafficPolicy") as any;
        assert.deepEqual(small.spec.requestBuffer, { limit: "5Mi" });
    });

    it("times out consistently with the 2 s latency target", () => {
        const rule = named("HTTPRoute", edgeNames.predictRoute).spec.rules[0];
        const request = seconds(rule.timeouts.request);
        const backend = seconds(rule.timeouts.backendRequest);
        // Gateway API (HTTPRouteTimeouts): backendRequest must not exceed request.
        assert.ok(backend <= request);
        assert.ok(backend > objectives.latencySeconds, "a merely slow inference is still answered");
        assert.ok(backend <= 5 * objectives.latencySeconds, "a hung pod frees the caller within seconds");
        const upload = seconds(named("ClientTrafficPolicy", "edge-clients").spec.timeout.http.requestReceivedTimeout);
        assert.equal(request, upload + backend);
        assert.ok(edgeTimeouts.loadBalancerIdleSeconds > request, "the gateway ends a request before the load balancer does");
    });

    it("trusts exactly the load balancer's X-Forwarded-For entry for the client address, and only behind it", () => {
        assert.deepEqual(named("ClientTrafficPolicy", "edge-clients").spec.clientIPDetection, { xForwardedFor: { numTrustedHops: 1 } });
        const local = gatewayObjects({ ...argsWith({}), behindLoadBalancer: false }).find((o) => o.kind === "ClientTrafficPolicy") as any;
        assert.equal(local.spec.clientIPDetection, undefined);
    });

    it("logs every request as JSON with the caller's id, client address, path, status, latency and bytes", () => {
        const sink = named("EnvoyProxy", edgeNames.proxyConfig).spec.telemetry.accessLog.settings[0];
        assert.equal(sink.format.type, "JSON");
        assert.deepEqual(sink.sinks, [{ type: "File", file: { path: "/dev/stdout" } }]);
        for (const field of ["time", "client", "client_ip", "path", "status", "duration_ms", "bytes_received", "bytes_sent"])
            assert.ok(accessLogFormat[field], field);
        assert.equal(accessLogFormat.client, "%REQ(X-CLIENT-ID)%");
    });

    it("gives each key of each client its own id, so a rotation keeps two live keys and a revocation removes one", () => {
        assert.deepEqual(
            clientCredentials({ pacs: { keys: ["k2026-11", "k2026-12"] }, triage: { keys: ["k1"] } }).map((c) => c.id),
            ["pacs.k2026-11", "pacs.k2026-12", "triage.k1"],
        );
        // Secret data keys must match [-._a-zA-Z0-9]+ (Kubernetes API, Secret.data).
        for (const { id } of clientCredentials(config.clients)) assert.match(id, /^[-._a-zA-Z0-9]+$/);
    });
});

function argsWith(edge: Record<string, unknown>) {
    const raw = { environment: "local", detector: { image: "registry.example/detector:1.0.0" }, edge };
    return {
        config: parsePlatformConfig(raw, "local").edge,
        namespace: "edge",
        appNamespace: "pneumonia",
        detectorService: "detector",
        detectorPort: 8000,
        behindLoadBalancer: true,
        proxyReplicas: 1,
    };
}
