// The staging load test that gates promotion: a grafana/k6 Job posting the synthetic chest X-rays
// in infra/release/load-test/payloads/ to the new version's /predict (the canary Service, which
// Argo Rollouts points at the newest ReplicaSet's pods), first the manual's `ab -n 100 -c 5`, then
// a steady run at the expected peak. Thresholds are the manual's (p95 < 2 s, errors < 1 %); k6
// exits non-zero when one is crossed, so the Job, and with it the staging `pulumi up`, fails. The
// result goes to the Pushgateway, labelled with the image, for `npm run promote` to check.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels, selectorLabels } from "../platform/labels";
import { trafficPolicy } from "../platform/network";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, scratchVolumes } from "../platform/security";
import { finishedJobTtlSeconds } from "./smoke-check";
import { objectives } from "../observability/objectives";
import type { LoadTestConfig } from "./config";
import { loadTestJobLabel } from "./load-test-result";

export const loadTestDir = join(__dirname, "load-test");
export const loadTestScript = "script.js";
export const loadTestPayloads = ["chest-a.png", "chest-b.png", "chest-c.png"];
const mountPath = "/load-test";

/** The k6 run's environment: the target, the image under test, the run's shape and the manual's limits. */
export function loadTestEnvironment(config: LoadTestConfig, target: string, image: string, pushgatewayUrl: string): Record<string, string> {
    return {
        DETECTOR_URL: target,
        DETECTOR_IMAGE: image,
        PUSHGATEWAY_URL: pushgatewayUrl,
        PUSHGATEWAY_JOB: loadTestJobLabel,
        REQUESTS: String(config.requests),
        CONCURRENCY: String(config.concurrency),
        STEADY_MINUTES: String(config.steadyMinutes),
        STEADY_RATE_PER_SECOND: String(config.steadyRatePerSecond),
        P95_LIMIT_SECONDS: String(objectives.latencySeconds),
        ERROR_RATE_LIMIT: String(objectives.errorRate),
        READY_TIMEOUT_SECONDS: String(readyTimeoutSeconds),
        PAYLOAD_DIR: mountPath,
        PAYLOADS: loadTestPayloads.join(","),
    };
}

/** How long the script waits for the new version's pods to answer /health (a model load can take minutes). */
const readyTimeoutSeconds = 600;

/** Seconds the run may take: waiting for readiness, the manual's part (at most 2 min in the script), the steady run, start-up. */
export function loadTestDeadlineSeconds(config: LoadTestConfig): number {
    return readyTimeoutSeconds + 120 + config.steadyMinutes * 60 + 120;
}

export interface LoadTestArgs {
    config: LoadTestConfig;
    stack: string;
    namespace: pulumi.Input<string>;
    monitoringNamespace: pulumi.Input<string>;
    /** The detector's canary Service URL (always the newest version's pods). */
    targetUrl: pulumi.Input<string>;
    /** The image under test: the result is labelled with it. */
    image: pulumi.Input<string>;
    pushgatewayUrl: pulumi.Input<string>;
}

/** The load test's pods: the detector's NetworkPolicy admits them. */
export function loadTestPodLabels(stack: string): Record<string, string> {
    return selectorLabels("load-test", stack);
}

export class LoadTest extends pulumi.ComponentResource {
    public readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: LoadTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:release:LoadTest", name, {}, opts);
        const child = { parent: this };
        const labels = platformLabels("load-test", "release", args.stack);
        const pods = loadTestPodLabels(args.stack);

        const files = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: { namespace: args.namespace, labels },
                data: { [loadTestScript]: readFileSync(join(loadTestDir, loadTestScript), "utf8") },
                binaryData: Object.fromEntries(
                    loadTestPayloads.map((p) => [p, readFileSync(join(loadTestDir, "payloads", p)).toString("base64")]),
                ),
            },
            child,
        );

        const egress = trafficPolicy(
            "load-test",
            {
                namespace: args.namespace,
                labels,
                podSelector: pods,
                egress: [
                    { port: 8000, peers: [{ pods: selectorLabels("detector", args.stack) }] },
                    { port: 9091, peers: [{ namespace: args.monitoringNamespace, pods: { "app.kubernetes.io/name": "pushgateway" } }] },
                ],
            },
            child,
        );
        // Additive to the Pushgateway's own policy: the load test may push its result.
        const pushgatewayIngress = trafficPolicy(
            "pushgateway-from-load-test",
            {
                namespace: args.monitoringNamespace,
                labels: platformLabels("pushgateway", "release", args.stack),
                podSelector: { "app.kubernetes.io/name": "pushgateway" },
                ingress: [{ port: 9091, peers: [{ namespace: args.namespace, pods }] }],
            },
            child,
        );

        const deadline = loadTestDeadlineSeconds(args.config);
        const scratch = scratchVolumes({ tmp: "/tmp" });
        const environment = pulumi
            .all([args.targetUrl, args.image, args.pushgatewayUrl])
            .apply(([target, image, pushgateway]) => loadTestEnvironment(args.config, target, image, pushgateway));
        // A new image (or script, or payload) is a new run: the Job is replaced.
        const fingerprint = pulumi
            .all([environment, files.data, files.binaryData])
            .apply((values) => createHash("sha256").update(JSON.stringify(values)).digest("hex").slice(0, 16));

        const job = new k8s.batch.v1.Job(
            name,
            {
                metadata: { namespace: args.namespace, labels, annotations: { "pulumi.com/replaceUnready": "true" } },
                spec: {
                    backoffLimit: 0,
                    activeDeadlineSeconds: deadline,
                    ttlSecondsAfterFinished: finishedJobTtlSeconds,
                    template: {
                        metadata: { labels, annotations: { "pneumonia.io/load-test-run": fingerprint } },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(),
                            containers: [
                                {
                                    name: "k6",
                                    image: args.config.image,
                                    args: ["run", "--quiet", `${mountPath}/${loadTestScript}`],
                                    env: [
                                        ...Object.keys(loadTestEnvironment(args.config, "", "", "")).map((key) => ({
                                            name: key,
                                            value: environment.apply((e) => e[key]!),
                                        })),
                                        { name: "HOME", value: "/tmp" },
                                    ],
                                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                                    securityContext: restrictedContainerSecurityContext(),
                                    volumeMounts: [{ name: "load-test", mountPath, readOnly: true }, ...scratch.volumeMounts],
                                },
                            ],
                            volumes: [{ name: "load-test", configMap: { name: files.metadata.name } }, ...scratch.volumes],
                        },
                    },
                },
            },
            {
                ...child,
                dependsOn: [egress, pushgatewayIngress],
                customTimeouts: { create: `${deadline + 60}s`, update: `${deadline + 60}s` },
            },
        );
        this.jobName = job.metadata.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
