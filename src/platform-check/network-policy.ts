// Whether NetworkPolicies let one endpoint open a connection to another, with the semantics
// https://kubernetes.io/docs/concepts/services-networking/network-policies/ defines:
// - A pod is isolated for ingress (egress) when some policy in its namespace selects it with
//   "Ingress" ("Egress") in policyTypes; unset policyTypes means Ingress, plus Egress when the
//   policy has egress rules. A connection needs the source's egress AND the target's ingress.
// - Policies are additive: any rule of any selecting policy allowing it is enough.
// - A peer with podSelector alone selects pods of the policy's namespace; with namespaceSelector
//   alone, every pod of the selected namespaces; both in ONE peer means pods matching both (AND).
//   Every namespace carries kubernetes.io/metadata.name = its name. ipBlock matches addresses by
//   CIDR minus `except` (used here for endpoints outside the pod network and for pod addresses).
// - Empty `from`/`to` or `ports` allows every peer or port; a named port is resolved against the
//   target pod's container ports; protocol defaults to TCP; endPort makes a range.
// - hostNetwork pods are not selected by policies (their traffic is the node's).
// Selectors with an operator outside In/NotIn/Exists/DoesNotExist throw rather than guess.

export interface ContainerPort {
    name?: string;
    containerPort: number;
    protocol?: string;
}

/** A pod (by labels) or an address outside the pod network (API server, load balancer, AWS endpoint, node). */
export type Endpoint =
    | {
          kind: "pod";
          name: string;
          namespace: string;
          labels: Record<string, string>;
          ports: ContainerPort[];
          ip: string;
          hostNetwork?: boolean;
      }
    | { kind: "external"; name: string; ip: string };

export interface Connection {
    from: Endpoint;
    to: Endpoint;
    /** The destination port as the packet carries it (after the Service's translation), or a container port name of `to`. */
    port: number | string;
    protocol?: "TCP" | "UDP" | "SCTP";
}

export interface Verdict {
    allowed: boolean;
    /** Why not, in one line: which side refuses, and the policies that isolate it. */
    reason?: string;
}

interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface NetworkPolicy {
    metadata: { name: string; namespace?: string };
    spec: {
        podSelector?: LabelSelector;
        policyTypes?: string[];
        ingress?: Array<{ from?: Peer[]; ports?: PolicyPort[] }>;
        egress?: Array<{ to?: Peer[]; ports?: PolicyPort[] }>;
    };
}
interface Peer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
    port?: number | string;
    endPort?: number;
    protocol?: string;
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        if (e.operator === "In" && !(has && (e.values ?? []).includes(labels[e.key]!))) return false;
        else if (e.operator === "NotIn" && has && (e.values ?? []).includes(labels[e.key]!)) return false;
        else if (e.operator === "Exists" && !has) return false;
        else if (e.operator === "DoesNotExist" && has) return false;
        else if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(e.operator))
            throw new Error(`label selector operator ${e.operator} is not known`);
    }
    return true;
}

function ipToNumber(ip: string): number {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
        throw new Error(`"${ip}" is not an IPv4 address`);
    return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const size = Number(bits ?? 32);
    if (!(size >= 0 && size <= 32)) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
    const mask = size === 0 ? 0 : (~0 << (32 - size)) >>> 0;
    return (ipToNumber(ip) & mask) >>> 0 === (ipToNumber(base!) & mask) >>> 0;
}

export class NetworkPolicyEvaluator {
    constructor(
        private readonly policies: NetworkPolicy[],
        /** Labels of each namespace (from its Namespace object); kubernetes.io/metadata.name is added. */
        private readonly namespaceLabels: Record<string, Record<string, string>>,
    ) {}

    private labelsOf(namespace: string): Record<string, string> {
        return { ...(this.namespaceLabels[namespace] ?? {}), "kubernetes.io/metadata.name": namespace };
    }

    private types(policy: NetworkPolicy): string[] {
        return policy.spec.policyTypes?.length ? policy.spec.policyTypes : ["Ingress", ...(policy.spec.egress ? ["Egress"] : [])];
    }

    /** The policies isolating `pod` in `direction`. */
    isolating(pod: Endpoint, direction: "Ingress" | "Egress"): NetworkPolicy[] {
        if (pod.kind !== "pod" || pod.hostNetwork) return [];
        return this.policies.filter(
            (p) =>
                (p.metadata.namespace ?? "default") === pod.namespace &&
                selects(p.spec.podSelector ?? {}, pod.labels) &&
                this.types(p).includes(direction),
        );
    }

    private peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
        if (peer.ipBlock) {
            if (peer.podSelector || peer.namespaceSelector) throw new Error("a peer with ipBlock and a selector is invalid");
            return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
        }
        if (other.kind !== "pod" || other.hostNetwork) return false;
        const namespaceOk = peer.namespaceSelector
            ? selects(peer.namespaceSelector, this.labelsOf(other.namespace))
            : other.namespace === policyNamespace;
        return namespaceOk && selects(peer.podSelector ?? {}, other.labels);
    }

    private portMatches(ports: PolicyPort[] | undefined, target: Endpoint, port: number, protocol: string): boolean {
        if (!ports?.length) return true;
        return ports.some((p) => {
            if ((p.protocol ?? "TCP") !== protocol) return false;
            if (p.port === undefined) return true;
            const number =
                typeof p.port === "number"
                    ? p.port
                    : /^\d+$/.test(p.port)
                      ? Number(p.port)
                      : target.kind === "pod"
                        ? target.ports.find((c) => c.name === p.port && (c.protocol ?? "TCP") === protocol)?.containerPort
                        : undefined;
            if (number === undefined) return false;
            return p.endPort !== undefined ? port >= number && port <= p.endPort : port === number;
        });
    }

    /** Whether `connection` is allowed, and if not, by which side. */
    evaluate(connection: Connection): Verdict {
        const protocol = connection.protocol ?? "TCP";
        const { from, to } = connection;
        let port: number;
        if (typeof connection.port === "number") port = connection.port;
        else {
            const named =
                to.kind === "pod" ? to.ports.find((c) => c.name === connection.port && (c.protocol ?? "TCP") === protocol) : undefined;
            if (!named) throw new Error(`${to.name} has no ${protocol} container port named "${connection.port}"`);
            port = named.containerPort;
        }
        const where = `${to.name}:${port}/${protocol}`;
        const egress = this.isolating(from, "Egress");
        if (
            egress.length &&
            !egress.some((p) =>
                (p.spec.egress ?? []).some(
                    (r) =>
                        (!r.to?.length || r.to.some((peer) => this.peerMatches(peer, p.metadata.namespace ?? "default", to))) &&
                        this.portMatches(r.ports, to, port, protocol),
                ),
            )
        ) {
            return {
                allowed: false,
                reason: `egress of ${from.name} to ${where}: no rule of ${egress.map((p) => p.metadata.name).join(", ")} allows it`,
            };
        }
        const ingress = this.isolating(to, "Ingress");
        if (
            ingress.length &&
            !ingress.some((p) =>
                (p.spec.ingress ?? []).some(
                    (r) =>
                        (!r.from?.length || r.from.some((peer) => this.peerMatches(peer, p.metadata.namespace ?? "default", from))) &&
                        this.portMatches(r.ports, to, port, protocol),
                ),
            )
        ) {
            return {
                allowed: false,
                reason: `ingress of ${where} from ${from.name}: no rule of ${ingress.map((p) => p.metadata.name).join(", ")} allows it`,
            };
        }
        return { allowed: true };
    }
}
