// The platform's front door: the only way into the detector API from outside the cluster.
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../platform/cluster";
import type { Environment } from "../platform/environment";
import { PlatformNamespace } from "../platform/namespace";
import type { EdgeSettings } from "./config";
import { probeTargets } from "./alerts";
import { ApiGateway, edgeNames, envoyPorts, envoyProxyPodLabels } from "./gateway";
import { PublicLoadBalancer } from "./load-balancer";
import { EdgeMonitoring, type ProbeTarget } from "./monitoring";

/** Namespace of the gateway, its proxies and the load balancer controller. */
export const edgeNamespace = "edge";

export interface EdgeArgs {
    config: EdgeSettings;
    environment: Environment;
    stack: string;
    appNamespace: string;
    monitoringNamespace: string;
    /** The detector's Service, its HTTP port and its pods' labels. */
    detector: { service: string; port: number; pods: Record<string, string> };
    /** The EKS cluster and region (AWS stacks); required when `config.loadBalancer` is `alb`. */
    aws?: { cluster: ClusterConfig; region: string; tags: Record<string, string> };
    protect: boolean;
    /** External dependencies the prober checks besides the public endpoint. */
    dependencies: { mlflow: { url: string; port: number; pods: Record<string, string> }; s3Region?: string };
}

/**
 * `https://<edge.host>/predict` and `/health`: an Envoy gateway checking each caller's key in every
 * stack, and in AWS an internet-facing ALB with ACM, WAF and access logs in front of it.
 */
export class Edge extends pulumi.ComponentResource {
    public readonly url: string;
    public readonly clientKeys: pulumi.Output<Record<string, string>>;
    public readonly certificate: pulumi.Output<string>;
    public readonly accessLogBucket?: pulumi.Output<string>;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:edge:Edge", name, {}, opts);
        const { config } = args;
        if (config.loadBalancer === "alb" && !args.aws)
            throw new Error(`${name}: edge.loadBalancer "alb" needs the aws and cluster config sections`);
        const child = { parent: this };

        const namespace = new PlatformNamespace(name, { name: edgeNamespace, stack: args.stack, component: "edge" }, child);
        const gateway = new ApiGateway(
            `${name}-gateway`,
            {
                config,
                stack: args.stack,
                namespace: edgeNamespace,
                appNamespace: args.appNamespace,
                monitoringNamespace: args.monitoringNamespace,
                detectorService: args.detector.service,
                detectorPort: args.detector.port,
                detectorPods: args.detector.pods,
                behindLoadBalancer: config.loadBalancer === "alb",
                proxyReplicas: args.environment === "local" ? 1 : args.environment === "production" ? 3 : 2,
            },
            { parent: this, dependsOn: [namespace] },
        );
        let webAclMetricName: pulumi.Output<string> | undefined;
        if (config.loadBalancer === "alb" && args.aws) {
            const loadBalancer = new PublicLoadBalancer(
                `${name}-load-balancer`,
                {
                    config,
                    stack: args.stack,
                    namespace: edgeNamespace,
                    cluster: args.aws.cluster,
                    region: args.aws.region,
                    tags: args.aws.tags,
                    protect: args.protect,
                },
                { parent: this, dependsOn: [namespace, gateway] },
            );
            this.accessLogBucket = loadBalancer.accessLogBucket;
            webAclMetricName = loadBalancer.webAclMetricName;
        }

        // The prober checks the public /health as callers do: through DNS and the load balancer where there is
        // one; locally the gateway's Service, whose self-signed certificate it reads without trusting.
        const publicHealth: ProbeTarget =
            config.loadBalancer === "alb"
                ? { name: "public-health", module: "https_health", url: `https://${config.host}/health`, target: probeTargets.publicHealth }
                : {
                      name: "public-health",
                      module: "https_health",
                      url: `https://${edgeNames.envoyService}.${edgeNamespace}.svc/health`,
                      target: probeTargets.publicHealth,
                  };
        const { mlflow, s3Region } = args.dependencies;
        new EdgeMonitoring(
            `${name}-monitoring`,
            {
                stack: args.stack,
                monitoringNamespace: args.monitoringNamespace,
                edgeNamespace,
                verifyPublicCertificate: config.loadBalancer === "alb",
                targets: [
                    publicHealth,
                    { name: "mlflow", module: "http_health", url: `${mlflow.url}/health`, target: probeTargets.mlflow },
                    ...(s3Region
                        ? [
                              {
                                  name: "object-store",
                                  module: "tls_connect" as const,
                                  url: `s3.${s3Region}.amazonaws.com:443`,
                                  target: probeTargets.objectStore,
                              },
                          ]
                        : []),
                ],
                egress: [
                    config.loadBalancer === "alb"
                        ? { port: 443 }
                        : { port: envoyPorts.httpsContainer, peers: [{ namespace: edgeNamespace, pods: envoyProxyPodLabels }] },
                    { port: mlflow.port, peers: [{ namespace: args.appNamespace, pods: mlflow.pods }] },
                    ...(s3Region ? [{ port: 443 }] : []),
                ],
                admitProber: [{ name: "mlflow", namespace: args.appNamespace, port: mlflow.port, pods: mlflow.pods }],
                waf:
                    webAclMetricName && args.aws
                        ? { webAclMetricName, region: args.aws.region, cluster: args.aws.cluster, tags: args.aws.tags }
                        : undefined,
            },
            { parent: this, dependsOn: [gateway] },
        );

        this.url = `https://${config.host}`;
        this.clientKeys = gateway.clientKeys;
        this.certificate = gateway.certificate;
        this.registerOutputs({ url: this.url, clientKeys: this.clientKeys, accessLogBucket: this.accessLogBucket });
    }
}
