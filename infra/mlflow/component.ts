import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MlflowConfig } from "./config";
import { databaseClientLabel, platformLabels, selectorLabels } from "../platform/labels";
import { prometheusPeer, trafficPolicy, type Peer, type PortRule } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "../platform/security";
import { disruptionBudget, healthProbes } from "../platform/workload";
import type { StorageAccess } from "../object-store/component";

export const mlflowPort = 5000;
export const mlflowServiceAccount = "mlflow";

/** IPv4 addresses under `prefix` as fnmatch patterns: each free octet one to three digits, nothing else. */
function addresses(prefix: string, freeOctets: number): string[] {
    if (freeOctets === 0) return [prefix];
    return ["[0-9]", "[0-9][0-9]", "[0-9][0-9][0-9]"].flatMap((octet) => addresses(`${prefix}.${octet}`, freeOctets - 1));
}

/**
 * The Host headers MLflow 3's DNS-rebinding protection (`--allowed-hosts`) admits: every caller the
 * platform has, and nothing a rebinding domain can spell. MLflow compares a pattern containing `*`
 * with Python's fnmatch and any other pattern with ==, against the whole header (host and port).
 *  - in-cluster clients (the detector, the smoke check) by the Service's names, with the port;
 *  - Prometheus, which scrapes a pod as `<pod IP>:<port>`: IPv4 addresses of the private ranges
 *    (RFC 1918, MLflow's own default), written digit by digit. MLflow's default `10.*` would also
 *    admit `10.attacker.example`; these patterns admit only addresses;
 *  - `kubectl port-forward` (operators, the health check, the DR check) on localhost, 127.0.0.1 or
 *    [::1] with any local port.
 */
export function mlflowAllowedHosts(namespace: string, port: number = mlflowPort): string[] {
    const names = ["mlflow", `mlflow.${namespace}`, `mlflow.${namespace}.svc`, `mlflow.${namespace}.svc.cluster.local`];
    // 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16
    const podAddresses = [
        ...addresses("10", 3),
        ...["172.1[6-9]", "172.2[0-9]", "172.3[01]"].flatMap((p) => addresses(p, 2)),
        ...addresses("192.168", 2),
    ];
    return [
        ...names.flatMap((name) => [name, `${name}:${port}`]),
        ...podAddresses.map((address) => `${address}:*`),
        "localhost",
        "localhost:*",
        "127.0.0.1",
        "127.0.0.1:*",
        // fnmatch reads "[" as a character class: "[[]" is a literal bracket.
        "[[]::1]:*",
    ];
}

export interface MlflowArgs {
    config: MlflowConfig;
    /** The configured image, or the digest of its ECR mirror. */
    image: pulumi.Input<string>;
    stack: string;
    namespace: pulumi.Input<string>;
    monitoringNamespace: pulumi.Input<string>;
    /** The `database-connection` Secret; its `uri` key becomes the backend store. */
    connectionSecretName: pulumi.Input<string>;
    databaseEgress: PortRule;
    artifactBucket: pulumi.Input<string>;
    /** S3 access for the `mlflow` service account (see ObjectStorage.accessFor). */
    storage: StorageAccess;
    /** S3-compatible endpoint of an in-cluster store; unset for AWS S3. */
    s3Endpoint?: pulumi.Input<string>;
    /** Pods that call the tracking server (the detector, jobs, the smoke check). */
    clients: Peer[];
}

/**
 * The MLflow tracking server: runs and the model registry in Postgres, artifacts in S3, served
 * through the tracking server itself (`--serve-artifacts`) so clients never hold S3 credentials.
 */
export class Mlflow extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly url: pulumi.Output<string>;
    public readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: MlflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:platform:Mlflow", name, {}, opts);
        const labels = platformLabels("mlflow", "tracking-server", args.stack);
        const selector = selectorLabels("mlflow", args.stack);
        const metadata = { name: "mlflow", namespace: args.namespace, labels };
        const podLabels = { ...labels, ...databaseClientLabel, ...args.storage.podLabels };
        const scratch = scratchVolumes({ tmp: "/tmp" });
        // MLflow 3 rejects Host headers it does not know (DNS-rebinding protection); probes send localhost.
        const allowedHosts = pulumi.output(args.namespace).apply((namespace) => mlflowAllowedHosts(namespace).join(","));

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            {
                metadata: { ...metadata, name: mlflowServiceAccount, annotations: args.storage.serviceAccountAnnotations },
                automountServiceAccountToken: false,
            },
            { parent: this },
        );

        this.deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata,
                spec: {
                    replicas: args.config.replicas,
                    selector: { matchLabels: selector },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: { labels: podLabels },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            // IRSA injects a projected web-identity token itself; the API token is not needed.
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            containers: [
                                {
                                    name: "mlflow",
                                    image: args.image,
                                    command: ["mlflow", "server"],
                                    // $(VAR) is expanded by the kubelet, so the database URI never appears in the manifest.
                                    args: [
                                        "--host=0.0.0.0",
                                        `--port=${mlflowPort}`,
                                        "--backend-store-uri=$(MLFLOW_BACKEND_STORE_URI)",
                                        pulumi.interpolate`--artifacts-destination=s3://${args.artifactBucket}/mlflow`,
                                        "--serve-artifacts",
                                        "--expose-prometheus=/tmp/prometheus",
                                        "--workers=2",
                                        pulumi.interpolate`--allowed-hosts=${allowedHosts}`,
                                    ],
                                    env: [
                                        {
                                            name: "MLFLOW_BACKEND_STORE_URI",
                                            valueFrom: { secretKeyRef: { name: args.connectionSecretName, key: "uri" } },
                                        },
                                        // The image has no user of its own; it runs as the restricted default UID with HOME on scratch.
                                        { name: "HOME", value: "/tmp" },
                                        { name: "MLFLOW_DISABLE_TELEMETRY", value: "true" },
                                        ...args.storage.env,
                                        ...(args.s3Endpoint ? [{ name: "MLFLOW_S3_ENDPOINT_URL", value: args.s3Endpoint }] : []),
                                    ],
                                    ports: [{ name: "http", containerPort: mlflowPort }],
                                    resources: args.config.resources,
                                    // The first start migrates the database schema.
                                    ...healthProbes(
                                        { httpGet: { path: "/health", port: "http", httpHeaders: [{ name: "Host", value: "localhost" }] } },
                                        300,
                                    ),
                                    securityContext: restrictedContainerSecurityContext(),
                                    volumeMounts: scratch.volumeMounts,
                                },
                            ],
                            volumes: scratch.volumes,
                        },
                    },
                },
            },
            { parent: this },
        );

        const service = new k8s.core.v1.Service(
            name,
            { metadata, spec: { selector, ports: [{ name: "http", port: mlflowPort, targetPort: "http" }] } },
            { parent: this },
        );

        disruptionBudget(name, metadata, selector, this);

        trafficPolicy(
            "mlflow",
            {
                namespace: args.namespace,
                labels,
                podSelector: selector,
                ingress: [{ port: mlflowPort, peers: [...args.clients, prometheusPeer(args.monitoringNamespace)] }],
                egress: [args.databaseEgress, args.storage.egress],
            },
            { parent: this },
        );

        this.serviceName = service.metadata.name;
        this.url = pulumi.interpolate`http://${service.metadata.name}.${args.namespace}.svc.cluster.local:${mlflowPort}`;
        this.registerOutputs({ serviceName: this.serviceName, url: this.url });
    }
}
