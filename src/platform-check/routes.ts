// Which HTTPRoute rule answers a request at the edge gateway, as Envoy Gateway v1.9.0 programs Envoy:
// - Listener: the Gateway listener on the request's port whose hostname (if any) matches the host.
// - Virtual host: Envoy Gateway builds one xDS virtual host per route hostname (envoyproxy/gateway
//   v1.9.0 internal/xds/translator/translator.go: "1:1 between IR HTTPRoute Hostname and xDS
//   VirtualHost"), and Envoy picks exactly one by the Host header: an exact domain first, then the
//   longest suffix wildcard, then "*" (envoyproxy.io, config.route.v3.VirtualHost `domains`). The port
//   in Host is ignored (translator.go sets ignorePortInHostMatching). Rules of other virtual hosts are
//   never consulted, even when none of the chosen host's rules match.
// - Rule: among the matching HTTPRouteMatches, the Gateway API's precedence (gateway-api.sigs.k8s.io
//   reference/spec, HTTPRouteRule): Exact path, then the longest PathPrefix, then a method match,
//   then most header matches, then most query matches; ties go to the older Route, then
//   {namespace}/{name} alphabetically, then rule order.
// - SecurityPolicy apiKeyAuth on the route or its Gateway: without the key header, 401.
// Anything outside this model (regular expressions, listener sets, selectors) throws, so a route
// cannot pass by being misread.
import { objectName, type KubernetesObject } from "./objects";

export interface HttpRequest {
    /** Port of the gateway's Service the request arrives on (443, 80). */
    port: number;
    /** Host header (or :authority), with or without a port. */
    host: string;
    method: string;
    path: string;
    headers?: Record<string, string>;
}

export interface RouteAnswer {
    status: number;
    /** Envoy's response code detail (%RESPONSE_CODE_DETAILS%) or what happens instead. */
    detail: "forwarded" | "redirect" | "route_not_found" | "missing_api_key" | "backend_not_permitted";
    /** `namespace/name#rule` of the rule that answered. */
    rule?: string;
    /** `namespace/Service:port` the request goes to. */
    backend?: string;
    /** Header holding the API key the rule's SecurityPolicy requires, if any. */
    apiKeyHeader?: string;
}

// The Gateway API and Envoy Gateway fields modelled here (gateway-api apis/v1 gateway_types.go,
// httproute_types.go, apis/v1beta1 referencegrant_types.go; Envoy Gateway SecurityPolicy).
interface HTTPRouteMatch {
    path?: { type?: string; value?: string };
    method?: string;
    headers?: { type?: string; name: string; value: string }[];
    queryParams?: { type?: string; name: string; value: string }[];
}
interface BackendRef {
    kind?: string;
    name: string;
    namespace?: string;
    port?: number;
}
interface HTTPRouteRule {
    matches?: HTTPRouteMatch[];
    filters?: { type: string; requestRedirect?: { statusCode?: number } }[];
    backendRefs?: BackendRef[];
}
interface HTTPRouteSpec {
    parentRefs?: { kind?: string; name: string; namespace?: string; sectionName?: string; port?: number }[];
    hostnames?: string[];
    rules?: HTTPRouteRule[];
}
interface GatewaySpec {
    listeners: { name: string; port: number; hostname?: string; allowedRoutes?: { namespaces?: { from?: string } } }[];
}
interface TargetRef {
    kind: string;
    name: string;
}
interface SecurityPolicySpec {
    targetRefs?: TargetRef[];
    targetRef?: TargetRef;
    apiKeyAuth?: { extractFrom?: { headers?: string[] }[] };
}
interface ReferenceGrantSpec {
    from?: { kind: string; namespace: string }[];
    to?: { kind?: string; name?: string }[];
}

/** An object's spec read as its kind's (the caller has checked the kind). */
const specOf = <Spec>(o: KubernetesObject): Partial<Spec> => (o.spec ?? {}) as Partial<Spec>;

interface Match {
    route: KubernetesObject;
    ruleIndex: number;
    rule: HTTPRouteRule;
    match: HTTPRouteMatch;
}

const lower = (s: string) => s.toLowerCase();
const withoutPort = (host: string) => lower(host.replace(/:\d+$/, ""));

/** Gateway API hostname matching: an exact name, or `*.suffix` covering one or more labels. */
function hostMatches(pattern: string, host: string): boolean {
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return pattern === host;
}

/** The hostnames a route gets on a listener: the intersection of both, each unset meaning any. */
function effectiveHostnames(routeHostnames: string[] | undefined, listenerHostname: string | undefined): string[] {
    if (!routeHostnames?.length) return [listenerHostname ?? "*"];
    if (!listenerHostname) return routeHostnames.map(lower);
    return routeHostnames
        .map(lower)
        .flatMap((h) => (hostMatches(listenerHostname, h) ? [h] : hostMatches(h, listenerHostname) ? [listenerHostname] : []));
}

/** Envoy's virtual host choice: exact, then longest suffix wildcard, then "*". */
function chooseVirtualHost(domains: string[], host: string): string | undefined {
    if (domains.includes(host)) return host;
    const wildcards = domains.filter((d) => d.startsWith("*.") && hostMatches(d, host)).sort((a, b) => b.length - a.length);
    if (wildcards.length) return wildcards[0];
    return domains.includes("*") ? "*" : undefined;
}

function pathMatches(match: HTTPRouteMatch, path: string): boolean {
    const type = match?.path?.type ?? "PathPrefix";
    const value: string = match?.path?.value ?? "/";
    const bare = path.split("?")[0]!;
    if (type === "Exact") return bare === value;
    if (type === "PathPrefix") {
        // Element-wise: /health matches /health and /health/x, not /healthz.
        const prefix = value.replace(/\/+$/, "");
        return prefix === "" || bare === prefix || bare.startsWith(`${prefix}/`);
    }
    throw new Error(`path match type ${type} is not modelled`);
}

function requestMatches(match: HTTPRouteMatch, request: HttpRequest): boolean {
    if (!pathMatches(match, request.path)) return false;
    if (match.method && match.method !== request.method) return false;
    const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [lower(k), v]));
    for (const h of match.headers ?? []) {
        if ((h.type ?? "Exact") !== "Exact") throw new Error(`header match type ${h.type} is not modelled`);
        if (headers[lower(h.name)] !== h.value) return false;
    }
    const query = new URLSearchParams(request.path.split("?")[1] ?? "");
    for (const q of match.queryParams ?? []) {
        if ((q.type ?? "Exact") !== "Exact") throw new Error(`query match type ${q.type} is not modelled`);
        if (query.get(q.name) !== q.value) return false;
    }
    return true;
}

/** Negative when `a` takes precedence over `b`. */
function precedence(a: Match, b: Match): number {
    const exact = (m: Match) => ((m.match?.path?.type ?? "PathPrefix") === "Exact" ? 1 : 0);
    const prefixLength = (m: Match) => ((m.match?.path?.type ?? "PathPrefix") === "PathPrefix" ? (m.match?.path?.value ?? "/").length : 0);
    const keys: Array<(m: Match) => number> = [
        exact,
        prefixLength,
        (m) => (m.match?.method ? 1 : 0),
        (m) => (m.match?.headers ?? []).length,
        (m) => (m.match?.queryParams ?? []).length,
    ];
    for (const key of keys) if (key(a) !== key(b)) return key(b) - key(a);
    const created = (m: Match) => m.route.metadata.creationTimestamp ?? "";
    if (created(a) !== created(b)) return created(a) < created(b) ? -1 : 1;
    if (objectName(a.route) !== objectName(b.route)) return objectName(a.route) < objectName(b.route) ? -1 : 1;
    return a.ruleIndex - b.ruleIndex;
}

function targets(policy: KubernetesObject): TargetRef[] {
    const spec = specOf<SecurityPolicySpec>(policy);
    return [...(spec.targetRefs ?? []), ...(spec.targetRef ? [spec.targetRef] : [])];
}

/** The API-key header a SecurityPolicy on the route (or else its Gateway) requires. */
function apiKeyHeader(objects: KubernetesObject[], route: KubernetesObject, gateway: KubernetesObject): string | undefined {
    const policies = objects.filter((o) => o.kind === "SecurityPolicy" && o.metadata.namespace === route.metadata.namespace);
    const on = (kind: string, name: string) => policies.find((p) => targets(p).some((t) => t.kind === kind && t.name === name));
    const policy =
        on("HTTPRoute", route.metadata.name) ??
        (gateway.metadata.namespace === route.metadata.namespace ? on("Gateway", gateway.metadata.name) : undefined);
    const auth = policy && specOf<SecurityPolicySpec>(policy).apiKeyAuth;
    if (!auth) return undefined;
    const header = auth.extractFrom?.flatMap((e) => e.headers ?? [])[0];
    if (!header)
        throw new Error(`${objectName(policy)}: apiKeyAuth reads the key from somewhere other than a header, which is not modelled`);
    return lower(header);
}

/** How the Gateway `namespace/name` answers `request`. */
export function answer(objects: KubernetesObject[], gatewayName: { namespace: string; name: string }, request: HttpRequest): RouteAnswer {
    const gateway = objects.find(
        (o) => o.kind === "Gateway" && o.metadata.namespace === gatewayName.namespace && o.metadata.name === gatewayName.name,
    );
    if (!gateway) throw new Error(`Gateway ${gatewayName.namespace}/${gatewayName.name} is not among the objects`);
    const host = withoutPort(request.host);
    const listener = (specOf<GatewaySpec>(gateway).listeners ?? []).find(
        (l) => l.port === request.port && (!l.hostname || hostMatches(lower(l.hostname), host)),
    );
    if (!listener) return { status: 404, detail: "route_not_found" };
    const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
    if (from !== "Same" && from !== "All")
        throw new Error(`${objectName(gateway)} listener ${listener.name}: allowedRoutes from ${from} is not modelled`);

    // Each attached route's hostnames on this listener: one virtual host per hostname.
    const byHost = new Map<string, KubernetesObject[]>();
    for (const route of objects.filter((o) => o.kind === "HTTPRoute")) {
        if (from === "Same" && route.metadata.namespace !== gateway.metadata.namespace) continue;
        const spec = specOf<HTTPRouteSpec>(route);
        const attached = (spec.parentRefs ?? []).some(
            (p) =>
                (p.kind ?? "Gateway") === "Gateway" &&
                p.name === gateway.metadata.name &&
                (p.namespace ?? route.metadata.namespace) === gateway.metadata.namespace &&
                (p.sectionName === undefined || p.sectionName === listener.name) &&
                (p.port === undefined || p.port === listener.port),
        );
        if (!attached) continue;
        for (const h of effectiveHostnames(spec.hostnames, listener.hostname ? lower(listener.hostname) : undefined))
            byHost.set(h, [...(byHost.get(h) ?? []), route]);
    }
    const virtualHost = chooseVirtualHost([...byHost.keys()], host);
    if (!virtualHost) return { status: 404, detail: "route_not_found" };

    const candidates: Match[] = byHost
        .get(virtualHost)!
        .flatMap((route) =>
            (specOf<HTTPRouteSpec>(route).rules ?? []).flatMap((rule, ruleIndex) =>
                (rule.matches?.length ? rule.matches : [{}]).map((match) => ({ route, ruleIndex, rule, match })),
            ),
        );
    const chosen = candidates.filter((c) => requestMatches(c.match, request)).sort(precedence)[0];
    if (!chosen) return { status: 404, detail: "route_not_found" };
    const rule = `${objectName(chosen.route)}#${chosen.ruleIndex}`;

    const redirect = (chosen.rule.filters ?? []).find((f) => f.type === "RequestRedirect");
    if (redirect) return { status: redirect.requestRedirect?.statusCode ?? 302, detail: "redirect", rule };
    const keyHeader = apiKeyHeader(objects, chosen.route, gateway);
    const backendRef = chosen.rule.backendRefs?.[0];
    const backend = backendRef
        ? `${backendRef.namespace ?? chosen.route.metadata.namespace}/${backendRef.kind ?? "Service"}/${backendRef.name}:${backendRef.port}`
        : undefined;
    // A backend in another namespace needs a ReferenceGrant there (Gateway API ReferenceGrant); Envoy Gateway answers 500 without one.
    if (backendRef && (backendRef.namespace ?? chosen.route.metadata.namespace) !== chosen.route.metadata.namespace) {
        const granted = objects.some(
            (g) =>
                g.kind === "ReferenceGrant" &&
                g.metadata.namespace === backendRef.namespace &&
                (specOf<ReferenceGrantSpec>(g).from ?? []).some(
                    (f) => f.kind === "HTTPRoute" && f.namespace === chosen.route.metadata.namespace,
                ) &&
                (specOf<ReferenceGrantSpec>(g).to ?? []).some(
                    (t) => (t.kind ?? "Service") === (backendRef.kind ?? "Service") && (t.name === undefined || t.name === backendRef.name),
                ),
        );
        if (!granted) return { status: 500, detail: "backend_not_permitted", rule, backend };
    }
    const hasKey = keyHeader === undefined || Object.keys(request.headers ?? {}).some((h) => lower(h) === keyHeader);
    if (!hasKey) return { status: 401, detail: "missing_api_key", rule, backend, apiKeyHeader: keyHeader };
    return { status: 200, detail: "forwarded", rule, backend, ...(keyHeader ? { apiKeyHeader: keyHeader } : {}) };
}
