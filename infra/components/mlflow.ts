import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MlflowConfig } from "../config";
import { databaseClientLabel, platformLabels, selectorLabels } from "./labels";
import { prometheusPeer, trafficPolicy, type Peer, type PortRule } from "./network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "./security";
import { disruptionBudget, healthProbes } from "./workload";
import type { StorageAccess } from "./storage";

export const mlflowPort = 5000;
export const mlflowServiceAccount = "mlflow";

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
        // MLflow 3 rejects Host headers it does not know (DNS-rebinding protection): name every way
        // in-cluster clients address the Service, and send probes as localhost.
        const allowedHosts = ["localhost", "mlflow", pulumi.interpolate`mlflow.${args.namespace}`, pulumi.interpolate`mlflow.${args.namespace}.svc`, pulumi.interpolate`mlflow.${args.namespace}.svc.cluster.local`];

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
                                        pulumi.all(allowedHosts).apply((hosts) => `--allowed-hosts=${hosts.flatMap((h) => [h, `${h}:${mlflowPort}`]).join(",")}`),
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
                                    ...healthProbes({ httpGet: { path: "/health", port: "http", httpHeaders: [{ name: "Host", value: "localhost" }] } }, 300),
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
