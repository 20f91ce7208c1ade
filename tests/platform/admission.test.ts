// Admission of every pod of the rendered platform, hook Jobs included: Pod Security (each namespace's
// enforce level) and image signatures (the policy-controller's ClusterImagePolicies).
import { strict as assert } from "node:assert";
import { stacks } from "../helpers/plan";
import { checkImagePolicies, globMatches, selects } from "./image-policy";
import { checkPodSecurity, violations } from "./pod-security";
import { platformOf, renderPlatform, withReleaseValues, type PodTemplate, type RenderedObject } from "./render";

const hardened = {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
    capabilities: { drop: ["ALL"] },
};
const pod = (spec: Record<string, unknown>): PodTemplate => ({
    owner: { source: "project", object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } } },
    namespace: "app",
    metadata: {},
    spec: { containers: [{ name: "c", securityContext: hardened }], ...spec },
    hook: false,
});

describe("platform: admission", () => {
    for (const stack of stacks) {
        it(`${stack}: each namespace's Pod Security level admits every pod, hook Jobs included`, async () => {
            const platform = await renderPlatform(stack);
            const { admitted, denied } = checkPodSecurity(platform);
            assert.deepEqual(denied, []);
            assert.ok(
                admitted.some((a) => a.hook && a.level === "restricted"),
                "a hook Job in a restricted namespace was checked",
            );
            assert.ok(admitted.filter((a) => a.level === "restricted").length > 15);
        });
    }

    it("a chart value that breaks Restricted is caught in the chart's rendered pod", async () => {
        const rootGrafana = withReleaseValues(await renderPlatform("staging"), "kube-prometheus-stack", (values) => {
            values.grafana.securityContext = { runAsUser: 0, runAsNonRoot: false };
        });
        const { denied } = checkPodSecurity(rootGrafana);
        assert.equal(denied.length, 1);
        assert.match(
            denied[0],
            /^Deployment\/monitoring\/kube-prometheus-stack-grafana .* refused by Pod Security "restricted" .*pod runAsUser 0/,
        );
    });

    // https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Baseline, Restricted tables).
    it("implements the Pod Security Standards controls it checks, per level", () => {
        assert.deepEqual(violations(pod({}), "restricted"), []);
        assert.deepEqual(violations(pod({ hostNetwork: true, volumes: [{ name: "h", hostPath: { path: "/" } }] }), "baseline"), [
            "hostNetwork: true (Host Namespaces)",
            "volume h is a hostPath (HostPath Volumes)",
        ]);
        assert.deepEqual(violations(pod({ hostNetwork: true }), "privileged"), []);
        const loose = pod({
            containers: [
                { name: "c", securityContext: { capabilities: { add: ["NET_ADMIN"] } }, ports: [{ containerPort: 80, hostPort: 80 }] },
            ],
        });
        assert.deepEqual(violations(loose, "baseline"), [
            "container c adds capability NET_ADMIN (Capabilities)",
            "container c hostPort 80 (Host Ports)",
        ]);
        assert.deepEqual(
            violations(pod({ containers: [{ name: "c", securityContext: { capabilities: { add: ["CHOWN"] } } }] }), "baseline"),
            [],
        );
        assert.deepEqual(violations(pod({ containers: [{ name: "c" }] }), "restricted"), [
            "container c allowPrivilegeEscalation is not false (Privilege Escalation)",
            "container c runAsNonRoot is not true (Running as Non-root)",
            "container c seccompProfile is unset (Seccomp)",
            "container c does not drop ALL capabilities (Capabilities)",
        ]);
        // Pod-level runAsNonRoot and seccomp are inherited by containers that do not set them.
        const inherited = pod({
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{ name: "c", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
            volumes: [{ name: "n", nfs: { server: "x", path: "/" } }],
        });
        assert.deepEqual(violations(inherited, "restricted"), ["volume n is a nfs (Volume Types)"]);
    });

    for (const stack of ["staging", "production"]) {
        it(`${stack}: every image under signature admission is signed by CI or matches no policy and is admitted with a warning`, async () => {
            const result = checkImagePolicies(await renderPlatform(stack));
            assert.deepEqual(result.denied, []);
            assert.deepEqual(result.namespaces.sort(), ["monitoring", "pneumonia"]);
            if (stack === "production") {
                assert.deepEqual(result.signed.map((s) => s.split(/[@ ]/)[0].split("/").pop()).sort(), [
                    "pneumonia-backup",
                    "pneumonia-detector",
                    "pneumonia-mlflow",
                ]);
            }
        });
    }

    it("an unsigned image from the platform's registry, or any unmatched image without no-match-policy, is denied", async () => {
        const production = await renderPlatform("production");
        const glob = (production.byKind("ClusterImagePolicy")[0].object.spec as { images: Array<{ glob: string }> }).images[0].glob;
        const stray: RenderedObject = {
            source: "project",
            object: {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "stray", namespace: "pneumonia" },
                spec: {
                    template: { spec: { containers: [{ name: "c", image: `${glob.replace("/**", "")}/stray@sha256:${"1".repeat(64)}` }] } },
                },
            },
        };
        const withStray = platformOf("production", [...production.objects, stray]);
        assert.match(
            checkImagePolicies(withStray).denied.join("\n"),
            /\/stray@sha256:1+ in Deployment\/pneumonia\/stray \(project\): an enforced policy requires CI's signature/,
        );
        const denyByDefault = withReleaseValues(production, "policy-controller", (values) => {
            delete values.webhook.configData;
        });
        assert.ok(
            checkImagePolicies(denyByDefault).denied.some((d) =>
                /curlimages\/curl.*matches no ClusterImagePolicy and no-match-policy is deny/.test(d),
            ),
        );
    });

    it("matches label selectors and policy-controller globs as upstream does", () => {
        const labels = { "kubernetes.io/metadata.name": "pneumonia" };
        assert.ok(selects({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["pneumonia"] }] }, labels));
        assert.ok(
            !selects({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["pneumonia"] }] }, labels),
        );
        assert.ok(!selects({ matchLabels: { team: "x" } }, labels));
        assert.ok(globMatches("1.dkr.ecr.r.amazonaws.com/**", "1.dkr.ecr.r.amazonaws.com/a/b@sha256:00"));
        assert.ok(!globMatches("1.dkr.ecr.r.amazonaws.com/*", "1.dkr.ecr.r.amazonaws.com/a/b:1"));
        assert.ok(!globMatches("1.dkr.ecr.r.amazonaws.com/**", "2.dkr.ecr.r.amazonaws.com/a:1"));
    });
});
