import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels, quarantineLabel } from "./labels";

export interface PlatformNamespaceArgs {
    name: string;
    stack: string;
    /** What lives here, in the platform's words (app, monitoring). */
    component: string;
}

/**
 * A namespace held to Pod Security "restricted", where nothing talks to anything until a
 * NetworkPolicy of the workload says so (default deny, plus DNS so names still resolve).
 */
export class PlatformNamespace extends pulumi.ComponentResource {
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:platform:Namespace", name, {}, opts);
        if (!/^[a-z0-9-]{1,63}$/.test(args.name)) throw new Error(`${name}: namespace name "${args.name}" is not a DNS label`);

        const labels = platformLabels(args.name, args.component, args.stack);
        const namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        ...labels,
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            { parent: this },
        );
        this.name = namespace.metadata.name;
        const metadata = (policy: string) => ({ name: policy, namespace: this.name, labels });

        new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny`,
            { metadata: metadata("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            { parent: this },
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-dns`,
            {
                metadata: metadata("allow-dns"),
                spec: {
                    // Every pod but a quarantined one (infra/security/quarantine.ts): DNS is a way out too.
                    podSelector: { matchExpressions: [{ key: quarantineLabel, operator: "DoesNotExist" }] },
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                            ],
                            ports: [
                                { protocol: "UDP", port: 53 },
                                { protocol: "TCP", port: 53 },
                            ],
                        },
                    ],
                },
            },
            { parent: this },
        );
        this.registerOutputs({ name: this.name });
    }
}
