// Pieces every workload of the platform is made of: its probes, and for the two stores that live
// in-cluster (Postgres, MinIO) the single-instance StatefulSet with its volume, Service and policy.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources } from "./schema";
import { platformLabels, selectorLabels } from "./labels";
import { trafficPolicy, type Peer } from "./network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "./security";

type Probe = k8s.types.input.core.v1.Probe;
type ProbeHandler = Pick<Probe, "httpGet" | "exec">;

/**
 * Startup, readiness and liveness probes on one check. The startup probe gives the process
 * `startupSeconds` to come up before liveness may restart it; afterwards a pod leaves the Service
 * after 30 s of failures and is restarted after 60 s.
 */
export function healthProbes(
    handler: ProbeHandler,
    startupSeconds: number,
): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
    const probe = (periodSeconds: number, failureThreshold: number): Probe => ({
        ...handler,
        periodSeconds,
        failureThreshold,
        timeoutSeconds: 5,
    });
    return {
        startupProbe: probe(5, Math.ceil(startupSeconds / 5)),
        readinessProbe: probe(10, 3),
        livenessProbe: probe(20, 3),
    };
}

/**
 * One pod at a time may go in node drains, whatever the replica count: with a single replica
 * (local) drains still finish, with more the rest keep serving.
 */
export function disruptionBudget(
    name: string,
    metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    selector: Record<string, string>,
    parent: pulumi.Resource,
): k8s.policy.v1.PodDisruptionBudget {
    return new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
        { parent },
    );
}

export interface SingleInstanceStoreArgs {
    /** Kubernetes name of the StatefulSet, Service and policy, and the app.kubernetes.io/name. */
    appName: string;
    component: string;
    stack: string;
    namespace: pulumi.Input<string>;
    image: string;
    port: { name: string; number: number };
    uid: number;
    resources: Resources;
    storageSize: string;
    dataPath: string;
    /** Writable paths besides the data volume (the root filesystem is read-only). */
    scratch: Record<string, string>;
    container: Pick<k8s.types.input.core.v1.Container, "args" | "env" | "startupProbe" | "readinessProbe" | "livenessProbe">;
    /** Who may connect to the port. */
    clients: Peer[];
    dependsOn?: pulumi.Resource[];
}

/** One pod with a persistent volume, a ClusterIP Service and a NetworkPolicy admitting only `clients`. */
export function singleInstanceStore(name: string, args: SingleInstanceStoreArgs, parent: pulumi.Resource) {
    const labels = platformLabels(args.appName, args.component, args.stack);
    const selector = selectorLabels(args.appName, args.stack);
    const metadata = { name: args.appName, namespace: args.namespace, labels };
    const scratch = scratchVolumes(args.scratch);
    const statefulSet = new k8s.apps.v1.StatefulSet(
        name,
        {
            metadata,
            spec: {
                serviceName: args.appName,
                replicas: 1,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(args.uid),
                        containers: [
                            {
                                name: args.appName,
                                image: args.image,
                                ...args.container,
                                ports: [{ name: args.port.name, containerPort: args.port.number }],
                                resources: args.resources,
                                securityContext: restrictedContainerSecurityContext(),
                                volumeMounts: [{ name: "data", mountPath: args.dataPath }, ...scratch.volumeMounts],
                            },
                        ],
                        volumes: scratch.volumes,
                    },
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels },
                        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storageSize } } },
                    },
                ],
            },
        },
        { parent, dependsOn: args.dependsOn },
    );
    const service = new k8s.core.v1.Service(
        name,
        { metadata, spec: { selector, ports: [{ name: args.port.name, port: args.port.number, targetPort: args.port.name }] } },
        { parent },
    );
    trafficPolicy(
        args.appName,
        {
            namespace: args.namespace,
            labels,
            podSelector: selector,
            ingress: [{ port: args.port.number, peers: args.clients }],
            egress: [],
        },
        { parent },
    );
    return { statefulSet, service, selector };
}
