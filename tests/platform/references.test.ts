// Every Secret, ConfigMap, ServiceAccount and PVC a pod of the rendered platform reads exists, or a
// controller of the platform makes it at run time (the allow-list in references.ts).
import { strict as assert } from "node:assert";
import { stacks } from "../helpers/plan";
import { checkReferences } from "./references";
import { platformOf, renderPlatform, withReleaseValues, type RenderedObject } from "./render";

const pod = (name: string, spec: Record<string, unknown>): RenderedObject => ({
    source: "project",
    object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "app" }, spec: { template: { metadata: {}, spec } } },
});
const secret = (name: string): RenderedObject => ({
    source: "project",
    object: { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "app" } },
});

describe("platform: references", () => {
    for (const stack of stacks) {
        it(`${stack}: every object a pod reads exists or is made by a controller of the platform`, async () => {
            const { resolved, missing } = checkReferences(await renderPlatform(stack));
            assert.deepEqual(missing, []);
            assert.ok(resolved.length > 50, `only ${resolved.length} references checked`);
        });
    }

    // Finding 1: kube-prometheus-stack 88.5.3 templates/prometheus-operator/deployment.yaml mounts the
    // Secret `<release>-admission` when prometheusOperator.tls.enabled (values.yaml default true), and only
    // the admission webhooks' patch Job (off here) creates it: the operator would never start.
    it("the Prometheus operator with the chart's default TLS and no webhooks reads a Secret nothing creates", async () => {
        const defaultTls = withReleaseValues(await renderPlatform("staging"), "kube-prometheus-stack", (values) => {
            values.prometheusOperator.tls.enabled = true;
        });
        assert.deepEqual(checkReferences(defaultTls).missing, [
            "Deployment/monitoring/kube-prometheus-stack-operator (chart:kube-prometheus-stack): volume tls-secret reads Secret monitoring/kube-prometheus-stack-admission, which nothing creates",
        ]);
    });

    it("with the webhooks on, the patch Job makes the operator's certificate Secret", async () => {
        const webhooks = withReleaseValues(await renderPlatform("staging"), "kube-prometheus-stack", (values) => {
            values.prometheusOperator.tls.enabled = true;
            values.prometheusOperator.admissionWebhooks.enabled = true;
        });
        const { resolved, missing } = checkReferences(webhooks);
        assert.deepEqual(missing, []);
        assert.ok(
            resolved.some((r) => r.name === "kube-prometheus-stack-admission" && r.madeBy === "kube-prometheus-stack admission-create Job"),
        );
    });

    it("reads volumes, projected sources, env, envFrom, image pull secrets and the service account; optional ones are skipped", () => {
        const platform = platformOf("test", [
            secret("present"),
            pod("reader", {
                serviceAccountName: "runner",
                imagePullSecrets: [{ name: "pull" }],
                volumes: [
                    { name: "a", secret: { secretName: "present" } },
                    { name: "b", configMap: { name: "settings" } },
                    { name: "c", projected: { sources: [{ secret: { name: "projected" } }, { configMap: { name: "kube-root-ca.crt" } }] } },
                    { name: "d", persistentVolumeClaim: { claimName: "data" } },
                    { name: "e", secret: { secretName: "maybe", optional: true } },
                ],
                containers: [
                    {
                        name: "app",
                        env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "token", key: "t" } } }],
                        envFrom: [{ configMapRef: { name: "env" } }, { secretRef: { name: "optional-env", optional: true } }],
                    },
                ],
            }),
        ]);
        const missing = checkReferences(platform).missing.map((m) => m.replace(/^.*: (.*) reads (\S+ \S+),.*$/, "$2 via $1"));
        assert.deepEqual(missing, [
            "ServiceAccount app/runner via serviceAccountName",
            "Secret app/pull via imagePullSecrets",
            "ConfigMap app/settings via volume b",
            "Secret app/projected via volume c",
            "PersistentVolumeClaim app/data via volume d",
            "Secret app/token via env TOKEN of container app",
            "ConfigMap app/env via envFrom of container app",
        ]);
    });

    it("a pre-install hook reads only pre-install hooks of its release that run before it", () => {
        const hook = (weight?: number) => ({
            "helm.sh/hook": "pre-install, pre-upgrade",
            ...(weight === undefined ? {} : { "helm.sh/hook-weight": String(weight) }),
        });
        const account = (annotations?: Record<string, string>): RenderedObject => ({
            source: "chart:gw",
            object: {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: { name: "certgen", namespace: "app", ...(annotations ? { annotations } : {}) },
            },
        });
        const job: RenderedObject = {
            source: "chart:gw",
            object: {
                apiVersion: "batch/v1",
                kind: "Job",
                metadata: { name: "certgen", namespace: "app", annotations: hook() },
                spec: { template: { spec: { serviceAccountName: "certgen", containers: [{ name: "c" }] } } },
            },
        };
        assert.deepEqual(checkReferences(platformOf("t", [account(), job])).missing, [
            "Job/app/certgen (chart:gw): serviceAccountName reads ServiceAccount app/certgen, which its release creates only after its pre-install hooks",
        ]);
        assert.equal(checkReferences(platformOf("t", [account(hook(1)), job])).missing.length, 1, "a heavier hook runs after the Job");
        assert.deepEqual(checkReferences(platformOf("t", [account(hook(-1)), job])).missing, []);
        assert.deepEqual(
            checkReferences(platformOf("t", [{ ...account(), source: "project" }, job])).missing,
            [],
            "another release's or the program's object is not ordered by this release's hooks",
        );
    });

    it("a controller's run-time objects count only when the controller is in the platform", () => {
        const certgenReader = pod("envoy-gateway", {
            volumes: [{ name: "certs", secret: { secretName: "envoy-gateway" } }],
            containers: [{ name: "eg" }],
        });
        assert.equal(checkReferences(platformOf("test", [certgenReader])).missing.length, 1);
        const certgen: RenderedObject = {
            source: "chart:envoy-gateway",
            object: {
                apiVersion: "batch/v1",
                kind: "Job",
                metadata: { name: "certgen", namespace: "app" },
                spec: { template: { metadata: { labels: { app: "certgen" } }, spec: { containers: [{ name: "c" }] } } },
            },
        };
        assert.deepEqual(checkReferences(platformOf("test", [certgenReader, certgen])).missing, []);
    });
});
