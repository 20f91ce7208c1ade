// The flows the architecture needs, derived per stack from the rendered platform (tests/platform/render.ts)
// rather than restated: who scrapes what (ServiceMonitors, PodMonitors, Probes), who calls the API
// server (service accounts bound by RBAC), which webhooks the API server calls, which URLs the
// logging and dashboards are configured with, plus the request path of the architecture (client →
// ALB → Envoy → detector → MLflow → Postgres/S3) and the backups. Pods the cluster makes at run
// time (Prometheus and Alertmanager by the operator, Envoy proxies by Envoy Gateway, CoreDNS) and
// endpoints outside the pod network (API server, nodes, the ALB, AWS APIs, RDS) are added here.
import { edgeNames, envoyPorts, envoyProxyPodLabels } from "../../infra/edge/gateway";
import {
    NetworkPolicyEvaluator,
    selects,
    type ContainerPort,
    type Endpoint,
    type NetworkPolicy,
} from "../../src/platform-check/network-policy";
import type { KubernetesObject, PodTemplate, RenderedPlatform } from "./render";

export interface Flow {
    /** What it is, in the platform's words. */
    what: string;
    from: Endpoint;
    to: Endpoint;
    port: number | string;
    protocol?: "TCP" | "UDP";
}

/** Addresses outside the pod network (documentation ranges where the value does not matter). */
export const outside = {
    /** EKS control-plane ENIs (or kind's API server), behind the `kubernetes` Service. */
    apiServer: { kind: "external", name: "api-server", ip: "10.0.0.10" },
    /** A node: kubelet, and hostNetwork pods such as node-exporter. */
    node: { kind: "external", name: "node", ip: "10.0.3.3" },
    /** The ALB's ENIs in the VPC's public subnets. */
    loadBalancer: { kind: "external", name: "alb", ip: "10.0.1.50" },
    /** RDS in the VPC's database subnets. */
    rds: { kind: "external", name: "rds", ip: "10.0.2.20" },
    /** Anything on the internet, AWS's public endpoints (S3, STS, CloudWatch) included: a NetworkPolicy cannot tell them apart. */
    internet: { kind: "external", name: "internet (AWS APIs included)", ip: "52.216.8.1" },
} as const satisfies Record<string, Endpoint>;

/** The API server's port as pods reach it after the `kubernetes` Service: EKS 443, kind 6443. */
export function apiServerPort(stack: string): number {
    return stack === "local" ? 6443 : 443;
}

const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
    !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);

export interface PlatformNetwork {
    pods: Array<Extract<Endpoint, { kind: "pod" }> & { serviceAccount: string; hook: boolean; template?: PodTemplate }>;
    policies: NetworkPolicy[];
    namespaceLabels: Record<string, Record<string, string>>;
    flows: Flow[];
    /** Endpoint of the pods a Service selects, and the container port a Service port leads to. */
    service(namespace: string, name: string, port: number | string): { pods: Endpoint[]; port: number | string };
}

function containerPorts(spec: PodTemplate["spec"]): ContainerPort[] {
    return spec.containers.flatMap((c) => (c.ports ?? []) as ContainerPort[]);
}

/** Every flow the architecture needs in `platform`, with the endpoints and policies to check them. */
export function platformNetwork(platform: RenderedPlatform): PlatformNetwork {
    const stack = platform.stack;
    const objects = platform.objects.map((o) => o.object);
    const kind = (k: string) =>
        objects.filter((o) => o.kind === k) as Array<KubernetesObject & { spec?: any; data?: any; subjects?: any; webhooks?: any }>;
    let address = 0;
    const nextIp = () => `10.0.${64 + Math.floor(address / 250)}.${(address++ % 250) + 2}`;

    const pods: PlatformNetwork["pods"] = [];
    for (const pod of platform.pods()) {
        // Helm test hooks run only on `helm test`, never on install or upgrade.
        if (pod.owner.object.metadata.annotations?.["helm.sh/hook"]?.includes("test")) continue;
        const prometheusKind = pod.owner.object.apiVersion.startsWith("monitoring.coreos.com/") ? pod.owner.object.kind : undefined;
        const name = pod.owner.object.metadata.name;
        // The operator's pod labels and ports, as the chart's own Services select them (templates/prometheus/service.yaml,
        // templates/alertmanager/service.yaml: app.kubernetes.io/name plus operator.prometheus.io/name or alertmanager).
        const operatorLabels: Record<string, string> =
            prometheusKind === "Prometheus"
                ? { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": name, prometheus: name }
                : prometheusKind === "Alertmanager"
                  ? { "app.kubernetes.io/name": "alertmanager", alertmanager: name }
                  : {};
        const operatorPorts: ContainerPort[] =
            prometheusKind === "Prometheus"
                ? [
                      { name: "web", containerPort: 9090 },
                      { name: "reloader-web", containerPort: 8080 },
                  ]
                : prometheusKind === "Alertmanager"
                  ? [
                        { name: "web", containerPort: 9093 },
                        { name: "reloader-web", containerPort: 8080 },
                    ]
                  : [];
        pods.push({
            kind: "pod",
            name: `${pod.namespace}/${name}${pod.hook ? " (hook)" : ""}`,
            namespace: pod.namespace,
            labels: { ...(pod.metadata.labels ?? {}), ...operatorLabels },
            ports: [...containerPorts(pod.spec), ...operatorPorts],
            ip: pod.spec.hostNetwork ? outside.node.ip : nextIp(),
            hostNetwork: Boolean(pod.spec.hostNetwork),
            serviceAccount: pod.spec.serviceAccountName ?? "default",
            hook: pod.hook,
            template: pod,
        });
    }
    // Pods made at run time. Envoy proxies: Envoy Gateway's labels (infra/edge/gateway.ts) and ports (listener ports
    // shifted by 10000, metrics 19001). CoreDNS: the k8s-app=kube-dns pods every distribution runs in kube-system.
    for (const gateway of kind("Gateway")) {
        pods.push({
            kind: "pod",
            name: `${gateway.metadata.namespace}/envoy-proxy`,
            namespace: gateway.metadata.namespace!,
            labels: { ...envoyProxyPodLabels },
            ports: [
                { containerPort: envoyPorts.httpsContainer },
                { containerPort: envoyPorts.httpContainer },
                { name: "metrics", containerPort: envoyPorts.metrics },
            ],
            ip: nextIp(),
            serviceAccount: "envoy-proxy",
            hook: false,
        });
    }
    const dns = {
        kind: "pod",
        name: "kube-system/coredns",
        namespace: "kube-system",
        labels: { "k8s-app": "kube-dns" },
        ports: [
            { name: "dns", containerPort: 53, protocol: "UDP" },
            { name: "dns-tcp", containerPort: 53 },
            { name: "metrics", containerPort: 9153 },
        ],
        ip: nextIp(),
        serviceAccount: "coredns",
        hook: false,
    } as const;
    pods.push({ ...dns, labels: { ...dns.labels }, ports: [...dns.ports] });

    const namespaceLabels = Object.fromEntries(kind("Namespace").map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    const policies = kind("NetworkPolicy") as unknown as NetworkPolicy[];

    // The Envoy Service Envoy Gateway makes at run time (EnvoyProxy envoyService, infra/edge/gateway.ts).
    const runtimeServices = kind("Gateway").map((g) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: edgeNames.envoyService, namespace: g.metadata.namespace },
        spec: {
            selector: envoyProxyPodLabels,
            ports: [
                { port: envoyPorts.https, targetPort: envoyPorts.httpsContainer },
                { port: envoyPorts.http, targetPort: envoyPorts.httpContainer },
            ],
        },
    })) as unknown as Array<KubernetesObject & { spec: any }>;
    const service = (namespace: string, name: string, port: number | string): { pods: Endpoint[]; port: number | string } => {
        const svc = [...kind("Service"), ...runtimeServices].find((s) => s.metadata.namespace === namespace && s.metadata.name === name);
        if (name === "kubernetes" && namespace === "default") return { pods: [outside.apiServer], port: apiServerPort(stack) };
        if (!svc) throw new Error(`Service ${namespace}/${name} is not in the rendered ${stack} platform`);
        const servicePort = (svc.spec.ports as any[]).find((p) => p.port === port || p.name === port);
        if (!servicePort) throw new Error(`Service ${namespace}/${name} has no port ${port}`);
        const selected = pods.filter((p) => p.namespace === namespace && labelsMatch(svc.spec.selector, p.labels));
        return { pods: selected, port: servicePort.targetPort ?? servicePort.port };
    };
    /** The pods and port behind an in-cluster URL (http://<service>.<namespace>.svc[.cluster.local]:<port>/…). */
    /** The pods and port behind an in-cluster URL: http://<service>[.<namespace>[.svc[.cluster.local]]][:port]/… */
    const url = (text: string, defaultNamespace?: string): { pods: Endpoint[]; port: number | string } => {
        const u = new URL(text);
        const [name, namespace = defaultNamespace] = u.hostname.split(".");
        if (!namespace) throw new Error(`${text}: no namespace to resolve it in`);
        return service(namespace, name!, Number(u.port || (u.protocol === "https:" ? 443 : 80)));
    };
    const byLabels = (namespace: string, labels: Record<string, string>) =>
        pods.filter((p) => p.namespace === namespace && labelsMatch(labels, p.labels));
    const one = (what: string, found: Endpoint[]) => {
        if (!found.length) throw new Error(`${stack}: no pod for ${what}`);
        return found;
    };

    const flows: Flow[] = [];
    const add = (what: string, from: Endpoint[], to: Endpoint[], port: number | string, protocol?: "TCP" | "UDP") => {
        for (const f of from) for (const t of to) flows.push({ what, from: f, to: t, port, ...(protocol ? { protocol } : {}) });
    };

    // Every pod → DNS (UDP and TCP 53).
    const podsOnPodNetwork = pods.filter((p) => !p.hostNetwork && p.name !== dns.name);
    add("DNS", podsOnPodNetwork, [pods.find((p) => p.name === dns.name)!], 53, "UDP");
    add("DNS", podsOnPodNetwork, [pods.find((p) => p.name === dns.name)!], 53, "TCP");

    // Every pod whose service account RBAC binds → the API server.
    const bound = new Set(
        [...kind("RoleBinding"), ...kind("ClusterRoleBinding")].flatMap((b) =>
            ((b.subjects ?? []) as any[])
                .filter((s) => s.kind === "ServiceAccount")
                .map((s) => `${s.namespace ?? b.metadata.namespace}/${s.name}`),
        ),
    );
    const apiCallers = pods.filter((p) => bound.has(`${p.namespace}/${p.serviceAccount}`) && !p.hostNetwork);
    add("Kubernetes API", apiCallers, [outside.apiServer], apiServerPort(stack));
    // The platform's policies open both API server ports in every stack (one rule for EKS and kind).
    add("Kubernetes API (the other distribution's port)", apiCallers, [outside.apiServer], apiServerPort(stack) === 443 ? 6443 : 443);
    // Pods with an IRSA role call AWS APIs (STS, S3, CloudWatch) on 443 at public addresses.
    const irsa = new Set(
        kind("ServiceAccount")
            .filter((a) => a.metadata.annotations?.["eks.amazonaws.com/role-arn"])
            .map((a) => `${a.metadata.namespace}/${a.metadata.name}`),
    );
    add(
        "AWS APIs (IRSA)",
        pods.filter((p) => irsa.has(`${p.namespace}/${p.serviceAccount}`)),
        [outside.internet],
        443,
    );

    // The API server → every admission webhook it is configured to call.
    for (const config of [...kind("ValidatingWebhookConfiguration"), ...kind("MutatingWebhookConfiguration")]) {
        for (const hook of (config.webhooks ?? []) as any[]) {
            const ref = hook.clientConfig?.service;
            if (!ref) continue;
            const target = service(ref.namespace, ref.name, ref.port ?? 443);
            add(
                `admission webhook ${config.metadata.name}`,
                [outside.apiServer],
                one(`webhook ${config.metadata.name}`, target.pods),
                target.port,
            );
        }
    }

    // Prometheus → every scrape target (ServiceMonitors, PodMonitors; the Probes' exporter).
    const prometheus = pods.filter(
        (p) => p.labels["app.kubernetes.io/name"] === "prometheus" && p.template?.owner.object.kind === "Prometheus",
    );
    if (!prometheus.length) throw new Error(`${stack}: no Prometheus pod`);
    for (const monitor of kind("ServiceMonitor")) {
        const namespaces: string[] | "any" = monitor.spec.namespaceSelector?.any
            ? "any"
            : (monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace]);
        // Services the cluster itself provides: kubelet (the operator's kube-system/…-kubelet endpoints) and the API server.
        if (monitor.spec.selector?.matchLabels?.["k8s-app"] === "kubelet") {
            add(`scrape ${monitor.metadata.name}`, prometheus, [outside.node], 10250);
            continue;
        }
        if (monitor.spec.selector?.matchLabels?.component === "apiserver") {
            add(`scrape ${monitor.metadata.name}`, prometheus, [outside.apiServer], apiServerPort(stack));
            continue;
        }
        const services = kind("Service").filter(
            (s) =>
                (namespaces === "any" || namespaces.includes(s.metadata.namespace!)) &&
                selects(monitor.spec.selector, s.metadata.labels ?? {}),
        );
        if (!services.length) throw new Error(`${stack}: ServiceMonitor ${monitor.metadata.name} selects no Service`);
        for (const svc of services) {
            for (const endpoint of monitor.spec.endpoints ?? []) {
                const port = endpoint.port ?? endpoint.targetPort;
                if (!(svc.spec.ports as any[]).some((p) => p.name === port || p.port === port || p.targetPort === port)) continue;
                const target =
                    endpoint.port !== undefined
                        ? service(svc.metadata.namespace!, svc.metadata.name, endpoint.port)
                        : {
                              pods: service(svc.metadata.namespace!, svc.metadata.name, (svc.spec.ports as any[])[0].port).pods,
                              port: endpoint.targetPort,
                          };
                add(
                    `scrape ${monitor.metadata.name}`,
                    prometheus,
                    target.pods.map((p) => (p.kind === "pod" && p.hostNetwork ? outside.node : p)),
                    hostPort(target.pods, target.port),
                );
            }
        }
    }
    for (const monitor of kind("PodMonitor")) {
        const namespaces: string[] | "any" = monitor.spec.namespaceSelector?.any
            ? "any"
            : (monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace]);
        const targets = pods.filter(
            (p) => (namespaces === "any" || namespaces.includes(p.namespace)) && selects(monitor.spec.selector, p.labels),
        );
        for (const endpoint of monitor.spec.podMetricsEndpoints ?? [])
            add(
                `scrape ${monitor.metadata.name}`,
                prometheus,
                one(`PodMonitor ${monitor.metadata.name}`, targets),
                endpoint.port ?? endpoint.targetPort,
            );
    }
    for (const probe of kind("Probe")) {
        const prober = new URL(`${probe.spec.prober.scheme ?? "http"}://${probe.spec.prober.url}`);
        const [name, namespace] = prober.hostname.split(".");
        const exporter = service(namespace!, name!, Number(prober.port));
        add(`probe ${probe.metadata.name} (Prometheus → exporter)`, prometheus, one("blackbox exporter", exporter.pods), exporter.port);
        // The exporter → the probed target.
        for (const target of (probe.spec.targets?.staticConfig?.static ?? []) as string[]) {
            const u = new URL(target.includes("://") ? target : `tcp://${target}`);
            const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
            const inCluster = /\.svc(\.cluster\.local)?$/.test(u.hostname);
            const to = inCluster ? url(`http://${u.hostname}:${port}`) : { pods: [outside.internet], port };
            add(`probe ${probe.metadata.name}`, exporter.pods, to.pods, to.port);
        }
    }

    // The request path: client → ALB → Envoy → detector → MLflow.
    const envoy = one(
        "Envoy proxies",
        pods.filter((p) => labelsMatch(envoyProxyPodLabels, p.labels)),
    );
    if (kind("Ingress").length) add("client → ALB → Envoy", [outside.loadBalancer], envoy, envoyPorts.httpsContainer);
    const detector = one(
        "detector",
        pods.filter((p) => p.labels["app.kubernetes.io/name"] === "detector" && p.template?.owner.object.kind === "Rollout"),
    );
    const app = detector[0]!.kind === "pod" ? detector[0]!.namespace : "";
    add("Envoy → detector", envoy, detector, "http");
    add(
        "Envoy → Envoy Gateway (xDS)",
        envoy,
        one("Envoy Gateway", byLabels(envoy[0]!.kind === "pod" ? envoy[0]!.namespace : "", { "app.kubernetes.io/name": "gateway-helm" })),
        envoyPorts.xds,
    );
    const mlflow = one("MLflow", byLabels(app, { "app.kubernetes.io/name": "mlflow" }));
    add("detector → MLflow", detector, mlflow, "http");

    // MLflow and the backups → Postgres (in-cluster or RDS) and the object store (S3 or the in-cluster one), → Pushgateway.
    const postgres = byLabels(app, { "app.kubernetes.io/name": "postgres" });
    const database = postgres.length ? { to: postgres, port: 5432 } : { to: [outside.rds], port: 5432 };
    const objectStorePods = byLabels(app, { "app.kubernetes.io/name": "object-store" });
    const objectStore = objectStorePods.length
        ? { to: objectStorePods, port: "s3" as string | number }
        : { to: [outside.internet], port: 443 };
    // The database's and the in-cluster object store's clients carry the platform's client labels (infra/components).
    add(
        "database client → Postgres",
        one(
            "database clients",
            pods.filter((p) => p.labels["pneumonia.io/database-client"] === "true"),
        ),
        database.to,
        database.port,
    );
    if (objectStorePods.length)
        add(
            "object-store client → object store",
            one(
                "object-store clients",
                pods.filter((p) => p.labels["pneumonia.io/object-store-client"] === "true"),
            ),
            objectStore.to,
            objectStore.port,
        );
    add("MLflow → object store", mlflow, objectStore.to, objectStore.port);
    // Loki keeps chunks and index in the in-cluster store where there is one (S3 through IRSA otherwise).
    if (objectStorePods.length)
        add(
            "Loki → object store",
            pods.filter((p) => p.labels["app.kubernetes.io/name"] === "loki" && !p.hook),
            objectStore.to,
            objectStore.port,
        );
    const backups = byLabels(app, { "app.kubernetes.io/name": "backup" });
    const pushgateway = one(
        "Pushgateway",
        pods.filter((p) => p.labels["app.kubernetes.io/name"] === "pushgateway"),
    );
    add("backup → object store", one("backups", backups), objectStore.to, objectStore.port);
    add("backup → Pushgateway", backups, pushgateway, "http");
    // After each deploy: the smoke check calls the detector and MLflow; staging's load test calls the canary and reports its result.
    const smokeCheck = one("smoke check", byLabels(app, { "app.kubernetes.io/name": "smoke-check" }));
    add("smoke check → detector", smokeCheck, detector, "http");
    add("smoke check → MLflow", smokeCheck, mlflow, "http");
    const loadTest = byLabels(app, { "app.kubernetes.io/name": "load-test" });
    add("load test → detector (canary)", loadTest, detector, "http");
    add("load test → Pushgateway", loadTest, pushgateway, "http");

    // Logging: Alloy → Loki (its loki.write endpoint), Grafana → Loki and Prometheus (its data sources),
    // the Loki ruler → Prometheus (remote write) and Alertmanager: every URL as the rendered config holds it.
    const configText = (predicate: (o: KubernetesObject) => boolean) =>
        objects
            .filter((o) => (o.kind === "ConfigMap" || o.kind === "Secret") && predicate(o))
            .map((o) => JSON.stringify((o as any).data ?? (o as any).stringData ?? {}))
            .join("\n");
    // In-cluster URLs only: a bare Service name, <service>.<namespace>, or the .svc forms.
    const urlsIn = (text: string) => [
        ...new Set(
            [...text.matchAll(/https?:\/\/([a-z0-9-]+(?:\.[a-z0-9-]+)?(?:\.svc(?:\.cluster\.local)?)?)(?::\d+)?(?=[/"\\]|$)/g)].map(
                (m) => m[0],
            ),
        ),
    ];
    const alloy = pods.filter((p) => p.labels["app.kubernetes.io/name"] === "alloy");
    for (const u of urlsIn(configText((o) => o.metadata.namespace === (alloy[0] as any)?.namespace)))
        add(`Alloy → ${u}`, alloy, url(u).pods, url(u).port);
    const grafana = one(
        "Grafana",
        pods.filter((p) => p.labels["app.kubernetes.io/name"] === "grafana" && !p.hook),
    );
    const grafanaNamespace = (grafana[0] as { namespace: string }).namespace;
    const datasources = urlsIn(configText((o) => o.metadata.labels?.grafana_datasource !== undefined));
    if (!datasources.length) throw new Error(`${stack}: no Grafana data source URL found`);
    for (const u of datasources) add(`Grafana → ${u}`, grafana, url(u, grafanaNamespace).pods, url(u, grafanaNamespace).port);
    const ruler = pods.filter(
        (p) =>
            p.labels["app.kubernetes.io/name"] === "loki" &&
            ["ruler", "single-binary", "backend"].includes(p.labels["app.kubernetes.io/component"] ?? ""),
    );
    const lokiConfig = configText((o) => o.metadata.name === "loki" || o.metadata.name === "loki-runtime");
    for (const u of urlsIn(lokiConfig).filter((u) => /alertmanager|prometheus/.test(u)))
        add(`Loki ruler → ${u}`, one("Loki ruler", ruler), url(u).pods, url(u).port);

    // The canary analysis queries Prometheus.
    add(
        "Argo Rollouts → Prometheus",
        one(
            "Argo Rollouts",
            pods.filter((p) => p.labels["app.kubernetes.io/component"] === "rollouts-controller"),
        ),
        prometheus,
        9090,
    );

    return { pods, policies, namespaceLabels, flows, service };
}

/** A hostNetwork target listens on the node's address at the container port. */
function hostPort(targets: Endpoint[], port: number | string): number | string {
    const node = targets.find((t) => t.kind === "pod" && t.hostNetwork);
    if (!node || typeof port === "number" || node.kind !== "pod") return port;
    return node.ports.find((p) => p.name === port)?.containerPort ?? port;
}

export function evaluator(network: PlatformNetwork): NetworkPolicyEvaluator {
    return new NetworkPolicyEvaluator(network.policies, network.namespaceLabels);
}

/**
 * A connection as the table names it. Addresses outside the pod network are one class per port: a
 * NetworkPolicy rule for AWS APIs, RDS or the API server (a port, or an ipBlock) cannot tell them apart.
 */
export function flowKey(f: { from: Endpoint; to: Endpoint; port: number | string; protocol?: string }): string {
    const port =
        typeof f.port === "number" ? f.port : f.to.kind === "pod" ? f.to.ports.find((p) => p.name === f.port)?.containerPort : undefined;
    const to = f.to.kind === "external" ? "outside the pod network" : f.to.name;
    return `${f.from.name} → ${to}:${port}/${f.protocol ?? "TCP"}`;
}

/** Every connection into or out of `namespace` that the table does not name: each pod's ports, and the outside addresses on the ports the platform uses. */
export function outsideTheTable(network: PlatformNetwork, namespace: string): Flow[] {
    const needed = new Set(network.flows.map(flowKey));
    const externals = Object.values(outside) as Endpoint[];
    const candidates: Flow[] = [];
    const inApp = network.pods.filter((p) => p.namespace === namespace);
    const onPorts = (from: Endpoint, to: (typeof inApp)[number]) =>
        to.ports.map((port) => ({
            what: "not in the table",
            from,
            to,
            port: port.containerPort,
            protocol: (port.protocol as "TCP" | "UDP") ?? "TCP",
        }));
    for (const to of inApp)
        for (const from of [...network.pods.filter((p) => p !== to), ...externals]) candidates.push(...onPorts(from, to));
    for (const from of inApp) {
        for (const to of network.pods.filter((p) => p !== from && p.namespace !== namespace)) candidates.push(...onPorts(from, to));
        for (const to of externals)
            for (const port of [443, 5432, 6443, 10250]) candidates.push({ what: "not in the table", from, to, port });
    }
    return candidates.filter((c) => !needed.has(flowKey(c)));
}

/** The lines of the architecture's table, each of which must find its endpoints in the rendered stack. */
function architectureLines(stack: string): RegExp[] {
    const lines = [
        /^DNS$/,
        /^Kubernetes API$/,
        /^scrape /,
        /^probe /,
        /^Envoy → detector$/,
        /^detector → MLflow$/,
        /^database client → Postgres$/,
        /^MLflow → object store$/,
        /^backup → object store$/,
        /^backup → Pushgateway$/,
        /^Alloy → /,
        /^Grafana → .*prometheus/,
        /^Grafana → .*loki/,
        /^Loki ruler → .*prometheus/,
        /^Loki ruler → .*alertmanager/,
    ];
    if (stack !== "local") lines.push(/^client → ALB → Envoy$/, /^admission webhook /, /^AWS APIs/);
    return lines;
}

export interface FlowCheck {
    /** The application namespace (the detector's). */
    namespace: string;
    needed: number;
    /** Lines of the architecture's table that found no endpoints in the rendered stack. */
    unmatched: string[];
    /** Needed flows the policies refuse: what fails, and why. */
    refused: string[];
    /** Connections of the application namespace outside the table, and those of them the policies allow. */
    others: number;
    allowedOthers: string[];
}

/** The needed flows against the policies, and every other connection of the application namespace. */
export function checkFlows(platform: RenderedPlatform): FlowCheck {
    const network = platformNetwork(platform);
    const e = evaluator(network);
    const refused = network.flows.flatMap((f) => {
        const verdict = e.evaluate(f);
        return verdict.allowed ? [] : [`${f.what}: ${verdict.reason}`];
    });
    const namespace = network.pods.find((p) => p.labels["app.kubernetes.io/name"] === "detector")!.namespace;
    const others = outsideTheTable(network, namespace);
    const allowedOthers = others.filter((f) => e.evaluate(f).allowed).map((f) => `${flowKey(f)} is allowed but not needed`);
    const unmatched = architectureLines(platform.stack)
        .filter((line) => !network.flows.some((f) => line.test(f.what)))
        .map((line) => `no flow of the table matches ${line}`);
    return {
        namespace,
        needed: network.flows.length,
        unmatched,
        refused: [...new Set(refused)],
        others: others.length,
        allowedOthers: [...new Set(allowedOthers)],
    };
}
