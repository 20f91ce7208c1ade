// Signed images at admission: the stack runs the Sigstore policy-controller and a ClusterImagePolicy
// requiring a keyless signature by a named identity, enforcing where it must (production).
import { stackPolicy } from "../lib/definitions";
import { helmTypes } from "../lib/kubernetes";
import { manual } from "../lib/sources";

export const clusterImagePolicyType = "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy";

export const stackImageAdmission = stackPolicy<{ required: boolean; requireEnforce: boolean; chart: string }>(
    {
        name: "stack-image-admission",
        description:
            "The stack admits only images signed by CI: the Sigstore policy-controller and a ClusterImagePolicy naming the signing identity, in enforce mode where required (production).",
        severity: "high",
        framework: manual("Security Review"),
        remediationSteps:
            "Deploy infra/images/admission.ts (ImageAdmission) in the stack; production's policy must have spec.mode enforce.",
    },
    {
        required: {
            type: "boolean",
            default: true,
            description: "The stack must have the admission controller and policy (off for a laptop stack).",
        },
        requireEnforce: {
            type: "boolean",
            default: true,
            description: "Every ClusterImagePolicy rejects unsigned images (mode enforce) rather than warning.",
        },
        chart: { type: "string", default: "policy-controller", description: "The admission controller's chart." },
    },
    (args, report, config) => {
        if (!config.required) return;
        const named = (chart: unknown) => typeof chart === "string" && (chart === config.chart || chart.endsWith(`/${config.chart}`));
        if (!args.resources.some((r) => helmTypes.includes(r.type) && named(r.props.chart)))
            report(`no Helm release of the ${config.chart} chart: nothing verifies image signatures at admission`);
        const policies = args.resources.filter((r) => r.type === clusterImagePolicyType);
        // sigstore policy-controller's ClusterImagePolicy: spec.authorities[].keyless.identities[] (issuer, subject).
        type Authority = { keyless?: { identities?: { issuer?: string; subject?: string }[] } };
        const keyless = policies.filter((p) =>
            ((p.props.spec?.authorities ?? []) as Authority[]).some((a) =>
                (a.keyless?.identities ?? []).some((i) => i.issuer && i.subject),
            ),
        );
        if (keyless.length === 0) report("no ClusterImagePolicy requires a keyless signature by a named issuer and subject");
        if (config.requireEnforce) {
            // The CRD documents enforce as the default when mode is unset.
            for (const p of policies.filter((p) => (p.props.spec?.mode ?? "enforce") !== "enforce"))
                report(`ClusterImagePolicy ${p.name} is in mode ${p.props.spec.mode}: unsigned images are admitted`);
        }
    },
);
