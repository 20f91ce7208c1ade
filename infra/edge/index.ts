// The platform's front door: the only way into the detector API from outside the cluster.
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig, Environment } from "../config";
import { PlatformNamespace } from "../components/namespace";
import type { EdgeSettings } from "./config";
import { ApiGateway } from "./gateway";
import { PublicLoadBalancer } from "./load-balancer";

export { edgeConfigSchema, edgeDefaults, type EdgeConfig, type EdgeSettings } from "./config";

/** Namespace of the gateway, its proxies and the load balancer controller. */
export const edgeNamespace = "edge";

export interface EdgeArgs {
    config: EdgeSettings;
    environment: Environment;
    stack: string;
    appNamespace: string;
    monitoringNamespace: pulumi.Input<string>;
    /** The detector's Service, its HTTP port and its pods' labels. */
    detector: { service: string; port: number; pods: Record<string, string> };
    /** The EKS cluster and region (AWS stacks); required when `config.loadBalancer` is `alb`. */
    aws?: { cluster: ClusterConfig; region: string; tags: Record<string, string> };
    protect: boolean;
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
        if (config.loadBalancer === "alb" && !args.aws) throw new Error(`${name}: edge.loadBalancer "alb" needs the aws and cluster config sections`);
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
        if (config.loadBalancer === "alb" && args.aws) {
            const loadBalancer = new PublicLoadBalancer(
                `${name}-load-balancer`,
                { config, stack: args.stack, namespace: edgeNamespace, cluster: args.aws.cluster, region: args.aws.region, tags: args.aws.tags, protect: args.protect },
                { parent: this, dependsOn: [namespace, gateway] },
            );
            this.accessLogBucket = loadBalancer.accessLogBucket;
        }

        this.url = `https://${config.host}`;
        this.clientKeys = gateway.clientKeys;
        this.certificate = gateway.certificate;
        this.registerOutputs({ url: this.url, clientKeys: this.clientKeys, accessLogBucket: this.accessLogBucket });
    }
}
