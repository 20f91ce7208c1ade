import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as pulumi from "@pulumi/pulumi";
import { healthProbeArgs, SmokeCheck, smokeCheckImage, smokeCheckPodLabels, type SmokeCheckArgs } from "../../../infra/release/smoke-check";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { at, plan, resourcesOf, stacks } from "../../helpers/plan";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

const apiVersions: Record<string, string> = {
    "kubernetes:batch/v1:Job": "batch/v1",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "networking.k8s.io/v1",
};

/** Builds a SmokeCheck under the mock runtime and returns what it registered, inputs resolved. */
async function render(args: Partial<SmokeCheckArgs> = {}): Promise<Registered[]> {
    const registered: Registered[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (r) => {
                registered.push({ type: r.type, name: r.name, inputs: r.inputs });
                return {
                    id: `${r.name}-id`,
                    state: { ...r.inputs, metadata: { ...r.inputs.metadata, name: r.inputs.metadata?.name ?? `${r.name}-abc123` } },
                };
            },
            call: (c) => c.inputs,
        },
        "pneumonia-platform",
        "staging",
        false,
    );
    const check = new SmokeCheck("smoke-check", {
        stack: "staging",
        namespace: "pneumonia",
        targets: [
            {
                name: "detector",
                service: "detector",
                port: 8000,
                pods: { "app.kubernetes.io/name": "detector", "app.kubernetes.io/instance": "staging" },
            },
            {
                name: "mlflow",
                service: pulumi.output("mlflow"),
                port: 5000,
                pods: { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": "staging" },
            },
        ],
        timeoutSeconds: 120,
        triggers: ["registry.example/detector@sha256:" + "a".repeat(64)],
        ...args,
    });
    await new Promise((resolve) => check.jobName.apply(resolve));
    return registered;
}

function only(registered: Registered[], type: string): Registered {
    const found = registered.filter((r) => r.type === type);
    assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
    return found[0];
}

function asObject(r: Registered): Record<string, unknown> {
    const metadata = { name: r.name, ...r.inputs.metadata };
    return { apiVersion: apiVersions[r.type], kind: r.type.split(":").pop(), ...r.inputs, metadata };
}

describe("SmokeCheck", () => {
    it("renders a Job and an egress NetworkPolicy that pass the Kubernetes schemas", async () => {
        const registered = await render();
        await validateKubernetesObject(asObject(only(registered, "kubernetes:batch/v1:Job")));
        await validateKubernetesObject(asObject(only(registered, "kubernetes:networking.k8s.io/v1:NetworkPolicy")));
    });

    it("calls each service's /health through its cluster DNS name, bounded by the timeout", async () => {
        const job = only(await render(), "kubernetes:batch/v1:Job").inputs;
        assert.equal(job.spec.backoffLimit, 0);
        assert.equal(job.spec.activeDeadlineSeconds, 120);
        assert.ok(job.spec.ttlSecondsAfterFinished > 0, "finished Jobs are cleaned up");
        const containers = job.spec.template.spec.containers;
        assert.deepEqual(
            containers.map((c: any) => [c.name, c.args.at(-1)]),
            [
                ["detector", "http://detector.pneumonia.svc:8000/health"],
                ["mlflow", "http://mlflow.pneumonia.svc:5000/health"],
            ],
        );
        assert.match(smokeCheckImage, /^curlimages\/curl:\d+\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
        for (const c of containers) {
            assert.equal(c.image, smokeCheckImage);
            assert.ok(
                c.args.includes("--fail") && c.args.includes("--retry-all-errors"),
                `${c.name}: curl must fail on HTTP errors and retry them`,
            );
            const retryMaxTime = Number(c.args[c.args.indexOf("--retry-max-time") + 1]);
            assert.ok(retryMaxTime > 0 && retryMaxTime < 120, `${c.name}: retries must stop before the Job's deadline`);
        }
    });

    it("runs under the restricted Pod Security profile with the label the NetworkPolicies admit", async () => {
        const job = only(await render(), "kubernetes:batch/v1:Job").inputs;
        const pod = job.spec.template;
        assert.equal(pod.spec.securityContext.runAsNonRoot, true);
        assert.equal(pod.spec.automountServiceAccountToken, false);
        for (const c of pod.spec.containers) {
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(c.securityContext.seccompProfile.type, "RuntimeDefault");
        }
        for (const [k, v] of Object.entries(smokeCheckPodLabels("staging"))) assert.equal(pod.metadata.labels[k], v);
        assert.equal(job.metadata.annotations["pulumi.com/replaceUnready"], "true");
    });

    it("opens egress from the smoke-check pods to exactly the targets' pods and ports", async () => {
        const policy = only(await render(), "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
        assert.deepEqual(policy.spec.podSelector.matchLabels, smokeCheckPodLabels("staging"));
        assert.deepEqual(policy.spec.policyTypes, ["Egress"]);
        assert.deepEqual(
            policy.spec.egress.map((rule: any) => [rule.ports[0].port, rule.to[0].podSelector.matchLabels["app.kubernetes.io/name"]]),
            [
                [8000, "detector"],
                [5000, "mlflow"],
            ],
        );
    });

    it("re-runs when a trigger changes: the pod template carries a digest of the triggers", async () => {
        const annotation = async (trigger: unknown) =>
            only(await render({ triggers: [trigger] }), "kubernetes:batch/v1:Job").inputs.spec.template.metadata.annotations[
                "pneumonia.io/smoke-check-trigger"
            ];
        const first = await annotation("detector:1");
        assert.equal(await annotation("detector:1"), first);
        assert.notEqual(await annotation("detector:2"), first);
        const template = { spec: { containers: [{ name: "detector", image: "detector:1" }] } };
        assert.notEqual(await annotation(template), await annotation({ ...template, metadata: { labels: { a: "b" } } }));
    });

    for (const [label, args, message] of [
        ["a timeout below 30 s", { timeoutSeconds: 5 }, /timeoutSeconds must be an integer from 30 to 1800, got 5/],
        ["no targets", { targets: [] }, /targets must name at least one service/],
        [
            "a target listed twice",
            {
                targets: [
                    { name: "detector", service: "detector", port: 8000, pods: { a: "b" } },
                    { name: "detector", service: "detector", port: 8000, pods: { a: "b" } },
                ],
            },
            /target "detector" is listed twice/,
        ],
        [
            "a port out of range",
            { targets: [{ name: "mlflow", service: "mlflow", port: 70000, pods: { a: "b" } }] },
            /target "mlflow" port must be 1-65535/,
        ],
        [
            "a target selecting no pods",
            { targets: [{ name: "mlflow", service: "mlflow", port: 5000, pods: {} }] },
            /target "mlflow" pods must select/,
        ],
    ] as const) {
        it(`rejects ${label}`, async () => {
            await assert.rejects(render(args as Partial<SmokeCheckArgs>), message);
        });
    }
});

describe("SmokeCheck in the plan of every stack", () => {
    for (const stack of stacks) {
        it(`${stack}: checks the detector's and MLflow's /health after they roll out, through their NetworkPolicies`, async () => {
            const p = await plan(stack);
            const [check] = resourcesOf(p, "pneumonia:platform:SmokeCheck");
            assert.ok(check, `${stack}: no SmokeCheck in the plan`);
            const job = resourcesOf(p, "kubernetes:batch/v1:Job").find((r) => r.parent === check.urn);
            assert.ok(job, `${stack}: the SmokeCheck has no Job`);
            const urls = at(job.inputs, "spec.template.spec.containers").map((c: { args: string[] }) => c.args.at(-1));
            assert.deepEqual(urls, ["http://detector.pneumonia.svc:8000/health", "http://mlflow.pneumonia.svc:5000/health"]);

            const smokePods = smokeCheckPodLabels(stack);
            const admits = (policyName: string, port: number) => {
                const policy = resourcesOf(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy").find(
                    (r) => at(r.inputs, "metadata.name") === policyName,
                );
                assert.ok(policy, `${stack}: no NetworkPolicy ${policyName}`);
                const rules = (at(policy.inputs, "spec.ingress") ?? []) as {
                    ports: { port: number }[];
                    from?: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown }[];
                }[];
                return rules.some(
                    (rule) =>
                        rule.ports.some((p) => p.port === port) &&
                        (rule.from === undefined ||
                            rule.from.some(
                                (peer) =>
                                    !peer.namespaceSelector &&
                                    Object.entries(peer.podSelector?.matchLabels ?? {}).every(([k, v]) => smokePods[k] === v),
                            )),
                );
            };
            assert.ok(admits("detector", 8000), `${stack}: the detector's NetworkPolicy does not admit the smoke check on 8000`);
            assert.ok(admits("mlflow", 5000), `${stack}: MLflow's NetworkPolicy does not admit the smoke check on 5000`);
        });
    }
});

describe("the smoke check's curl command line (run with this machine's curl)", () => {
    let server: http.Server;
    let base: string;
    let answers: number[] = [];
    before(async () => {
        server = http.createServer((_req, res) => res.writeHead(answers.shift() ?? 404).end());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function curl(timeoutSeconds: number): Promise<{ code: number; seconds: number }> {
        const started = Date.now();
        return new Promise((resolve) =>
            execFile("curl", healthProbeArgs(`${base}/health`, timeoutSeconds), (error) =>
                resolve({ code: error ? Number(error.code) : 0, seconds: (Date.now() - started) / 1000 }),
            ),
        );
    }

    it("succeeds at once against a healthy service", async () => {
        answers = [200];
        assert.equal((await curl(30)).code, 0);
    });

    it("keeps retrying HTTP errors until the service answers", async () => {
        answers = [404, 404, 200];
        assert.equal((await curl(30)).code, 0);
    });

    it("gives up with a non-zero exit before the Job's deadline", async () => {
        answers = [];
        const { code, seconds } = await curl(30);
        assert.notEqual(code, 0);
        assert.ok(seconds < 30, `curl ran ${seconds} s, past the 30 s deadline`);
    });
});
