// The post-deploy smoke check: a Job inside the cluster (where the Services resolve) that calls
// each service's /health until it answers or the time runs out. Pulumi awaits Jobs to completion
// and fails the update when the Job fails, so an update whose services never come up fails too.
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels, selectorLabels } from "../platform/labels";
import { trafficPolicy } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../platform/security";

/**
 * curl's own image (github.com/curl/curl-container), pinned by digest as production requires; run
 * as an explicit non-root uid because its `curl_user` is a name, not a number.
 */
export const smokeCheckImage = "curlimages/curl:8.20.0@sha256:b3f1fb2a51d923260350d21b8654bbc607164a987e2f7c84a0ac199a67df812a";

/** Finished Jobs stay a week for their logs; a later update recreates a Job that is gone. */
export const finishedJobTtlSeconds = 7 * 24 * 3600;

/** The label set of the smoke-check pods: the detector's and MLflow's NetworkPolicies must admit it. */
export function smokeCheckPodLabels(stack: string): Record<string, string> {
    return selectorLabels("smoke-check", stack);
}

export interface SmokeTarget {
    /** The service in the platform's words (detector, mlflow); also the container name. */
    name: string;
    /** Kubernetes Service name in `namespace`. */
    service: pulumi.Input<string>;
    /** Service port; in this platform it equals the pods' container port, which the egress rule opens. */
    port: number;
    /** Labels of the pods behind the Service, for the egress rule. */
    pods: Record<string, string>;
    /** Defaults to /health. */
    path?: string;
}

export interface SmokeCheckArgs {
    stack: string;
    namespace: pulumi.Input<string>;
    targets: SmokeTarget[];
    /** Bound on the whole check: the Job's active deadline, and the time curl keeps retrying. */
    timeoutSeconds?: number;
    /**
     * Values whose change re-runs the check (e.g. the detector's pod template): a Job runs once,
     * so a new value replaces it with a fresh Job. The check always runs when the stack is created.
     */
    triggers?: pulumi.Input<unknown>[];
    /** Override of `smokeCheckImage`, e.g. a mirror in a private registry. */
    image?: string;
}

export const defaultSmokeTimeoutSeconds = 300;
const retryDelaySeconds = 5;
const attemptSeconds = 10;

/** The curl command line for one target: retries on every error until the deadline, then fails. */
export function healthProbeArgs(url: string, timeoutSeconds: number): string[] {
    return [
        "-q", // ignore any .curlrc; must come first
        "--fail",
        "--silent",
        "--show-error",
        "--output",
        "/dev/null",
        "--connect-timeout",
        "5",
        "--max-time",
        String(attemptSeconds),
        "--retry",
        String(Math.ceil(timeoutSeconds / retryDelaySeconds)),
        "--retry-delay",
        String(retryDelaySeconds),
        "--retry-all-errors",
        "--retry-max-time",
        String(Math.max(timeoutSeconds - attemptSeconds, attemptSeconds)),
        url,
    ];
}

export class SmokeCheck extends pulumi.ComponentResource {
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: SmokeCheckArgs, opts?: pulumi.ComponentResourceOptions) {
        const timeoutSeconds = args.timeoutSeconds ?? defaultSmokeTimeoutSeconds;
        validate(name, args, timeoutSeconds);
        super("pneumonia:platform:SmokeCheck", name, {}, opts);

        // These include smokeCheckPodLabels: the selector the egress rule and the services' ingress rules use.
        const labels = platformLabels("smoke-check", "smoke-check", args.stack);

        const egress = trafficPolicy(
            `${name}-egress`,
            {
                namespace: args.namespace,
                labels,
                podSelector: smokeCheckPodLabels(args.stack),
                egress: args.targets.map((t) => ({ port: t.port, peers: [{ pods: t.pods }] })),
            },
            { parent: this },
        );

        const trigger = pulumi
            .all(args.triggers ?? [])
            .apply((values) => createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 16));

        const job = new k8s.batch.v1.Job(
            name,
            {
                // No fixed name: a new trigger changes spec.template, which the provider can only replace,
                // and an auto-name lets the replacement be created before the old Job is deleted.
                metadata: {
                    namespace: args.namespace,
                    labels,
                    // A check that failed last time is replaced (run again) rather than awaited forever.
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: timeoutSeconds,
                    ttlSecondsAfterFinished: finishedJobTtlSeconds,
                    template: {
                        metadata: { labels, annotations: { "pneumonia.io/smoke-check-trigger": trigger } },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            // One container per target, in parallel: the pod succeeds only if all answer,
                            // and the failed container's name says which one did not.
                            containers: args.targets.map((t) => ({
                                name: t.name,
                                image: args.image ?? smokeCheckImage,
                                command: ["curl"],
                                args: pulumi.interpolate`http://${t.service}.${args.namespace}.svc:${t.port}${t.path ?? "/health"}`.apply(
                                    (url) => healthProbeArgs(url, timeoutSeconds),
                                ),
                                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
                                securityContext: restrictedContainerSecurityContext(),
                            })),
                        },
                    },
                },
            },
            {
                parent: this,
                dependsOn: [egress],
                // The provider's await outlives the Job's own deadline by a margin, so the Job's
                // failure (not a Pulumi timeout) is what the update reports.
                customTimeouts: { create: `${timeoutSeconds + 60}s`, update: `${timeoutSeconds + 60}s` },
            },
        );

        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}

function validate(name: string, args: SmokeCheckArgs, timeoutSeconds: number): void {
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 1800) {
        throw new Error(`${name}: timeoutSeconds must be an integer from 30 to 1800, got ${timeoutSeconds}`);
    }
    if (args.targets.length === 0) throw new Error(`${name}: targets must name at least one service`);
    const seen = new Set<string>();
    for (const t of args.targets) {
        if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(t.name)) throw new Error(`${name}: target name "${t.name}" is not a DNS label`);
        if (seen.has(t.name)) throw new Error(`${name}: target "${t.name}" is listed twice`);
        seen.add(t.name);
        if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
            throw new Error(`${name}: target "${t.name}" port must be 1-65535, got ${t.port}`);
        if (Object.keys(t.pods).length === 0) throw new Error(`${name}: target "${t.name}" pods must select the service's pods`);
        if (t.path !== undefined && !t.path.startsWith("/"))
            throw new Error(`${name}: target "${t.name}" path must start with /, got "${t.path}"`);
    }
}
