// Allow-rules on top of each namespace's default deny, stated in terms of ports and peers.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pods matching `pods` (all pods when unset) in `namespace` (the policy's own when unset). */
export interface Peer {
    namespace?: pulumi.Input<string>;
    pods?: Record<string, string>;
}

export interface PortRule {
    port: number;
    protocol?: "TCP" | "UDP";
    /** Who may connect (ingress) or be connected to (egress); unset means anyone, inside the cluster or not. */
    peers?: Peer[];
}

export interface TrafficPolicyArgs {
    namespace: pulumi.Input<string>;
    labels: Record<string, string>;
    /** The pods this policy opens up. */
    podSelector: Record<string, string>;
    ingress?: PortRule[];
    egress?: PortRule[];
}

function toPeer(peer: Peer): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return {
        ...(peer.namespace !== undefined ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } } } : {}),
        podSelector: { matchLabels: peer.pods ?? {} },
    };
}

function toRules(rules: PortRule[], direction: "from" | "to") {
    return rules.map((rule) => ({
        ports: [{ port: rule.port, protocol: rule.protocol ?? "TCP" }],
        ...(rule.peers ? { [direction]: rule.peers.map(toPeer) } : {}),
    }));
}

export function trafficPolicy(name: string, args: TrafficPolicyArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    const policyTypes = [...(args.ingress ? ["Ingress"] : []), ...(args.egress ? ["Egress"] : [])];
    return new k8s.networking.v1.NetworkPolicy(
        name,
        {
            metadata: { name, namespace: args.namespace, labels: args.labels },
            spec: {
                podSelector: { matchLabels: args.podSelector },
                policyTypes,
                ...(args.ingress ? { ingress: toRules(args.ingress, "from") } : {}),
                ...(args.egress ? { egress: toRules(args.egress, "to") } : {}),
            },
        },
        opts,
    );
}

/** The Prometheus server of kube-prometheus-stack, which scrapes every metrics port. */
export function prometheusPeer(monitoringNamespace: pulumi.Input<string>): Peer {
    return { namespace: monitoringNamespace, pods: { "app.kubernetes.io/name": "prometheus" } };
}

/** Anything outside the cluster on HTTPS: AWS APIs (S3, STS) reached from IRSA workloads. */
export const awsApis: PortRule = { port: 443 };
