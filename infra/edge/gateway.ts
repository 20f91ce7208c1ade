// The in-cluster half of the front door, the same in every stack: Envoy Gateway (Gateway API)
// terminating TLS, checking each caller's API key (SecurityPolicy apiKeyAuth), limiting request
// size and time, logging every request with the caller's identity, and routing /predict and
// /health to the detector Service. Objects are built by pure functions so the tests can validate
// them against the CRD schemas of the pinned chart without planning a stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { objectives } from "../observability/objectives";
import { platformLabels } from "../platform/labels";
import { prometheusPeer, trafficPolicy, type Peer, type PortRule } from "../platform/network";
import type { EdgeSettings } from "./config";
import { envoyGatewayChart, helmRelease } from "../platform/charts";

/** Names the gateway's objects share, so tests, the load balancer and the docs refer to the same things. */
export const edgeNames = {
    gatewayClass: "pneumonia-edge",
    gateway: "edge",
    proxyConfig: "edge-proxy",
    /** The Envoy Service (EnvoyProxy envoyService.name): what the ALB targets and `kubectl port-forward` opens. */
    envoyService: "edge-envoy",
    tlsSecret: "edge-tls",
    clientKeysSecret: "edge-client-keys",
    predictRoute: "detector-predict",
    healthRoute: "detector-health",
    publicHealthRoute: "detector-health-public",
    redirectRoute: "https-redirect",
    callerPolicy: "detector-callers",
} as const;

/** Where a caller puts its key, and the header Envoy forwards (and logs) the caller's id in. */
export const credentialHeaders = { apiKey: "x-api-key", clientId: "x-client-id" } as const;

/**
 * Envoy listens on the Service port + 10000 when the port is privileged (EnvoyProxy
 * useListenerPortAsContainerPort unset: "port shifting"), so 443 is 10443 in the pod.
 */
export const envoyPorts = { https: 443, http: 80, httpsContainer: 10443, httpContainer: 10080, metrics: 19001, xds: 18000 } as const;

/**
 * Timeouts derived from the manual's 2 s latency target. A caller has `upload` to send a 20 MiB
 * image over a slow link; then the detector has `backend` per try, a multiple of the target so an
 * inference that is merely slow under load is still answered (and counted by the latency alerts)
 * instead of becoming a 504, while a hung pod frees the caller in seconds. `request` bounds the
 * whole exchange as Gateway API defines it (Envoy starts its route timeout once the body is in,
 * so it is generous there). The load balancer's idle timeout is longer than all of them, so the
 * gateway, which logs the caller, always ends a request first.
 */
export const edgeTimeouts = {
    uploadSeconds: 30,
    backendSeconds: 5 * objectives.latencySeconds,
    get requestSeconds() {
        return this.uploadSeconds + this.backendSeconds;
    },
    get loadBalancerIdleSeconds() {
        return this.requestSeconds + 20;
    },
} as const;

/** The client id Envoy reports for one key of a client: `<client>.<key>` (names carry no dots). */
export function clientId(client: string, key: string): string {
    return `${client}.${key}`;
}

/** Every live credential: one entry per (client, key name). */
export function clientCredentials(clients: EdgeSettings["clients"]): { client: string; key: string; id: string }[] {
    return Object.entries(clients).flatMap(([client, { keys }]) => keys.map((key) => ({ client, key, id: clientId(client, key) })));
}

/** One line of Envoy's access log per request, as JSON: who called what, from where, with which result. */
export const accessLogFormat: Record<string, string> = {
    time: "%START_TIME%",
    client: `%REQ(${credentialHeaders.clientId.toUpperCase()})%`,
    client_ip: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    method: "%REQ(:METHOD)%",
    path: "%REQ(:PATH)%",
    status: "%RESPONSE_CODE%",
    status_detail: "%RESPONSE_CODE_DETAILS%",
    duration_ms: "%DURATION%",
    upstream_ms: "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%",
    bytes_received: "%BYTES_RECEIVED%",
    bytes_sent: "%BYTES_SENT%",
    user_agent: "%REQ(USER-AGENT)%",
    request_id: "%REQ(X-REQUEST-ID)%",
    route: "%ROUTE_NAME%",
};

type Manifest = { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> };

export interface GatewayObjectsArgs {
    config: EdgeSettings;
    /** Namespace of the gateway, its proxies and its policies. */
    namespace: string;
    /** Namespace and Service name of the detector. */
    appNamespace: string;
    detectorService: string;
    detectorPort: number;
    /** True when an AWS load balancer sits in front: the client's address is the last X-Forwarded-For entry it appended. */
    behindLoadBalancer: boolean;
    proxyReplicas: number;
}

/** The Gateway API and Envoy Gateway objects of the front door, in apply order. */
export function gatewayObjects(args: GatewayObjectsArgs): Manifest[] {
    const { config, namespace } = args;
    /** `clusterScoped` for kinds without a namespace (GatewayClass). */
    const meta = (name: string, ns: string | "clusterScoped" = namespace) => ({
        name,
        ...(ns === "clusterScoped" ? {} : { namespace: ns }),
    });
    const gatewayRef = (sectionName: string) => ({
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: edgeNames.gateway,
        sectionName,
    });
    const detector = { group: "", kind: "Service", name: args.detectorService, namespace: args.appNamespace, port: args.detectorPort };
    const route = (name: string) => ({ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name });
    // GET /health without a key, on two virtual hosts: Envoy Gateway builds one per route hostname and Envoy
    // answers a Host from its exact virtual host only, so the public host (which holds /predict) needs its own
    // /health for callers and the blackbox probe; the route without hostnames answers requests by address
    // (the ALB's health checks, in-cluster probes). tests/platform/routes.test.ts checks every such call.
    const healthRoute = (name: string, hostnames?: string[]): Manifest => ({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: meta(name),
        spec: {
            parentRefs: [gatewayRef("https")],
            ...(hostnames ? { hostnames } : {}),
            rules: [
                {
                    matches: [{ path: { type: "Exact", value: "/health" }, method: "GET" }],
                    backendRefs: [detector],
                    timeouts: { request: `${edgeTimeouts.backendSeconds}s` },
                },
            ],
        },
    });
    return [
        {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "EnvoyProxy",
            metadata: meta(edgeNames.proxyConfig),
            spec: {
                provider: {
                    type: "Kubernetes",
                    kubernetes: {
                        // ClusterIP: the ALB reaches the pods directly (target-type ip); locally, port-forward.
                        envoyService: { name: edgeNames.envoyService, type: "ClusterIP" },
                        envoyDeployment: {
                            replicas: args.proxyReplicas,
                            container: { resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
                        },
                        // With one proxy (local) a PDB would block every node drain.
                        ...(args.proxyReplicas > 1 ? { envoyPDB: { minAvailable: 1 } } : {}),
                    },
                },
                telemetry: {
                    accessLog: {
                        settings: [
                            { format: { type: "JSON", json: accessLogFormat }, sinks: [{ type: "File", file: { path: "/dev/stdout" } }] },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "GatewayClass",
            metadata: meta(edgeNames.gatewayClass, "clusterScoped"),
            spec: {
                controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
                parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: edgeNames.proxyConfig, namespace },
            },
        },
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: meta(edgeNames.gateway),
            spec: {
                gatewayClassName: edgeNames.gatewayClass,
                // No listener hostname: the load balancer's health checks and the in-cluster prober
                // reach /health by address; /predict is bound to the public host by its route.
                listeners: [
                    {
                        name: "https",
                        protocol: "HTTPS",
                        port: envoyPorts.https,
                        tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: edgeNames.tlsSecret }] },
                        allowedRoutes: { namespaces: { from: "Same" } },
                    },
                    { name: "http", protocol: "HTTP", port: envoyPorts.http, allowedRoutes: { namespaces: { from: "Same" } } },
                ],
            },
        },
        {
            // Lets the routes in the edge namespace send to the detector Service (Gateway API cross-namespace rule).
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "ReferenceGrant",
            metadata: meta(`${edgeNames.gateway}-to-detector`, args.appNamespace),
            spec: {
                from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace }],
                to: [{ group: "", kind: "Service", name: args.detectorService }],
            },
        },
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: meta(edgeNames.predictRoute),
            spec: {
                parentRefs: [gatewayRef("https")],
                hostnames: [config.host],
                rules: [
                    {
                        matches: [{ path: { type: "Exact", value: "/predict" }, method: "POST" }],
                        backendRefs: [detector],
                        timeouts: { request: `${edgeTimeouts.requestSeconds}s`, backendRequest: `${edgeTimeouts.backendSeconds}s` },
                    },
                ],
            },
        },
        healthRoute(edgeNames.healthRoute),
        healthRoute(edgeNames.publicHealthRoute, [config.host]),
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: meta(edgeNames.redirectRoute),
            spec: {
                parentRefs: [gatewayRef("http")],
                rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
            },
        },
        {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "SecurityPolicy",
            metadata: meta(edgeNames.callerPolicy),
            spec: {
                targetRefs: [route(edgeNames.predictRoute)],
                apiKeyAuth: {
                    credentialRefs: [{ group: "", kind: "Secret", name: edgeNames.clientKeysSecret }],
                    extractFrom: [{ headers: [credentialHeaders.apiKey] }],
                    // The detector and the access log see who called; the key itself is removed.
                    forwardClientIDHeader: credentialHeaders.clientId,
                    sanitize: true,
                },
            },
        },
        {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "ClientTrafficPolicy",
            metadata: meta("edge-clients"),
            spec: {
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: edgeNames.gateway }],
                tls: { minVersion: "1.2", alpnProtocols: ["h2", "http/1.1"] },
                timeout: { http: { requestReceivedTimeout: `${edgeTimeouts.uploadSeconds}s` } },
                ...(args.behindLoadBalancer ? { clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } } } : {}),
                headers: { requestID: "PreserveOrGenerate" },
            },
        },
        {
            apiVersion: "gateway.envoyproxy.io/v1alpha1",
            kind: "BackendTrafficPolicy",
            metadata: meta("edge-requests"),
            spec: {
                targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: edgeNames.gateway }],
                // The whole body is buffered before the detector sees it: an oversized upload is refused with 413 at the edge.
                requestBuffer: { limit: config.maxRequestSize },
            },
        },
    ];
}

export interface ApiGatewayArgs {
    config: EdgeSettings;
    stack: string;
    namespace: string;
    appNamespace: string;
    monitoringNamespace: pulumi.Input<string>;
    detectorService: string;
    detectorPort: number;
    /** Pods of the detector, which the proxies connect to. */
    detectorPods: Record<string, string>;
    behindLoadBalancer: boolean;
    proxyReplicas: number;
}

/**
 * Envoy Gateway and the front door's routes and policies. Client keys are generated per
 * (client, key name) and kept as secrets; changing them touches only the keys Secret, which
 * Envoy Gateway reloads, so no detector pod restarts to add, rotate or revoke a caller.
 */
/** The Kubernetes API server as pods reach it: EKS on 443, kind on 6443 (address unknown in advance). */
const kubernetesApi: PortRule[] = [{ port: 443 }, { port: 6443 }];

/**
 * Pod labels of gateway-helm's certgen Job (templates/certgen.yaml, v1.9.0): a pre-install/pre-upgrade
 * hook with backoffLimit 1 that creates the control plane's TLS Secrets through the API server; the
 * release fails if it cannot reach it.
 */
export const certgenPodLabels = { app: "certgen" } as const;

export class ApiGateway extends pulumi.ComponentResource {
    /** Each caller's API key by client id, for handing over: `pulumi stack output edgeClientKeys --show-secrets`. */
    public readonly clientKeys: pulumi.Output<Record<string, string>>;
    /** The listener's certificate (PEM, public): what a local caller trusts with `curl --cacert`. */
    public readonly certificate: pulumi.Output<string>;

    constructor(name: string, args: ApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:edge:ApiGateway", name, {}, opts);
        const child = { parent: this };
        const labels = platformLabels("edge", "edge", args.stack);

        // Before the release: its pre-install hook runs in this namespace's default deny.
        const certgenPolicy = trafficPolicy(
            "envoy-gateway-certgen",
            {
                namespace: args.namespace,
                labels,
                podSelector: certgenPodLabels,
                egress: kubernetesApi,
            },
            child,
        );
        const release = helmRelease(
            name,
            envoyGatewayChart,
            {
                namespace: args.namespace,
                timeout: 600,
                values: envoyGatewayValues(),
            },
            { ...child, dependsOn: [certgenPolicy] },
        );
        const afterCrds = { parent: this, dependsOn: [release] };

        // The listener's own key pair. Behind an ALB it encrypts the hop inside the VPC (the ALB does not
        // verify target certificates); locally it is the entry certificate callers trust explicitly.
        const key = new tls.PrivateKey(`${name}-tls`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const cert = new tls.SelfSignedCert(
            `${name}-tls`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: args.config.host, organization: "pneumonia-platform" },
                dnsNames: [
                    args.config.host,
                    `${edgeNames.envoyService}.${args.namespace}.svc`,
                    `${edgeNames.envoyService}.${args.namespace}.svc.cluster.local`,
                ],
                validityPeriodHours: 24 * 365,
                earlyRenewalHours: 24 * 30,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            },
            child,
        );
        new k8s.core.v1.Secret(
            `${name}-tls`,
            {
                metadata: { name: edgeNames.tlsSecret, namespace: args.namespace, labels },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
            },
            child,
        );

        const keys: Record<string, pulumi.Output<string>> = {};
        for (const credential of clientCredentials(args.config.clients)) {
            keys[credential.id] = new random.RandomPassword(`${name}-key-${credential.id}`, { length: 48, special: false }, child).result;
        }
        this.clientKeys = pulumi.secret(pulumi.output(keys));
        new k8s.core.v1.Secret(
            `${name}-client-keys`,
            {
                metadata: { name: edgeNames.clientKeysSecret, namespace: args.namespace, labels },
                type: "Opaque",
                stringData: this.clientKeys,
            },
            child,
        );

        for (const manifest of gatewayObjects({
            config: args.config,
            namespace: args.namespace,
            appNamespace: args.appNamespace,
            detectorService: args.detectorService,
            detectorPort: args.detectorPort,
            behindLoadBalancer: args.behindLoadBalancer,
            proxyReplicas: args.proxyReplicas,
        })) {
            new k8s.apiextensions.CustomResource(
                `${name}-${manifest.kind.toLowerCase()}-${manifest.metadata.name}`,
                { ...manifest, metadata: { ...manifest.metadata, labels } },
                afterCrds,
            );
        }

        this.networkPolicies(args);
        this.certificate = cert.certPem;
        this.registerOutputs({ certificate: this.certificate });
    }

    /** Allow-rules for the controller and the proxies on top of the edge namespace's default deny. */
    private networkPolicies(args: ApiGatewayArgs): void {
        const child = { parent: this };
        const labels = platformLabels("edge", "edge", args.stack);
        const proxies: Peer = { pods: envoyProxyPodLabels };
        const controller: Peer = { pods: envoyGatewayPodLabels };
        trafficPolicy(
            "envoy-gateway",
            {
                namespace: args.namespace,
                labels,
                podSelector: envoyGatewayPodLabels,
                ingress: [
                    { port: envoyPorts.xds, peers: [proxies] },
                    { port: envoyPorts.metrics, peers: [prometheusPeer(args.monitoringNamespace)] },
                ],
                egress: kubernetesApi,
            },
            child,
        );
        trafficPolicy(
            "envoy-proxy",
            {
                namespace: args.namespace,
                labels,
                podSelector: envoyProxyPodLabels,
                // Callers arrive from the load balancer (inside the VPC) or a port-forward; the gateway checks them.
                ingress: [
                    { port: envoyPorts.httpsContainer },
                    { port: envoyPorts.httpContainer },
                    { port: envoyPorts.metrics, peers: [prometheusPeer(args.monitoringNamespace)] },
                ],
                egress: [
                    { port: args.detectorPort, peers: [{ namespace: args.appNamespace, pods: args.detectorPods }] },
                    { port: envoyPorts.xds, peers: [controller] },
                ],
            },
            child,
        );
    }
}

/** Pod labels of the Envoy proxies Envoy Gateway creates (internal/infrastructure/kubernetes/proxy/resource.go, EnvoyAppLabel). */
export const envoyProxyPodLabels = {
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
} as const;

/** Pod labels of the controller (charts/gateway-helm/templates/_helpers.tpl, eg.selectorLabels: chart name and release). */
export const envoyGatewayPodLabels = {
    "app.kubernetes.io/name": "gateway-helm",
    "app.kubernetes.io/instance": envoyGatewayChart.releaseName,
} as const;

/** Values for gateway-helm, typed to the keys we set; tests/infra/edge/values.test.ts checks each against the chart's values.yaml. */
export function envoyGatewayValues() {
    return {
        deployment: {
            replicas: 2,
            envoyGateway: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1024Mi" } } },
        },
        podDisruptionBudget: { minAvailable: 1 },
        // Off: its admission webhook (zone hints for topology-aware routing) would need the API server to reach
        // the controller through the namespace's default deny, and a single-zone laptop gains nothing from it.
        topologyInjector: { enabled: false },
        config: { envoyGateway: { logging: { level: { default: "info" } } } },
    };
}
