// Admission of signed images: the Sigstore policy-controller (its pinned Helm chart) and a
// ClusterImagePolicy requiring every image from the platform's registry, in the platform's
// namespaces, to carry a cosign keyless signature by CI's identity (images.signing). Production
// rejects (mode enforce); staging admits with a warning (mode warn) so a signing gap shows before
// promotion. Cluster-scoped (a webhook and a CRD): never declared by a drill stack.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformLabels } from "../platform/labels";
import type { Environment } from "../platform/environment";
import type { ImagesConfig } from "./config";
import { helmRelease, policyController } from "../platform/charts";

/** The CRD's group/version the chart 0.10.6 serves (clusterimagepolicies.policy.sigstore.dev). */
export const clusterImagePolicyApiVersion = "policy.sigstore.dev/v1beta1";
export const signedImagesPolicyName = "platform-images-signed-by-ci";
/** cosign's legacy signature (a sha256-<digest>.sig tag): v0.13.1 cannot verify image signatures in the bundle format. */
export const signatureFormat = "legacy";

/** Public-good Sigstore: the Fulcio CA that issues keyless certificates and the Rekor log cosign writes to. */
const fulcioUrl = "https://fulcio.sigstore.dev";
const rekorUrl = "https://rekor.sigstore.dev";

export interface AdmissionValuesArgs {
    environment: Environment;
    /** Namespaces whose pods are checked: the platform's. */
    namespaces: string[];
}

export function policyControllerValues(args: AdmissionValuesArgs) {
    return {
        webhook: {
            replicaCount: args.environment === "production" ? 2 : 1,
            // Pinned third-party images (curl for the smoke check, the monitoring charts') match no
            // policy: admitted with a warning. Every image of the platform's registry must be signed.
            configData: { "no-match-policy": "warn" },
            // The API server labels every namespace with its name: no label for anyone to add or forget.
            namespaceSelector: {
                matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...args.namespaces].sort() }],
            },
        },
    };
}

export interface SignedImagesPolicyArgs {
    environment: Environment;
    registryAccountId: string;
    region: string;
    signing: ImagesConfig["signing"];
}

export function signedImagesPolicy(args: SignedImagesPolicyArgs) {
    return {
        apiVersion: clusterImagePolicyApiVersion,
        kind: "ClusterImagePolicy",
        metadata: { name: signedImagesPolicyName },
        spec: {
            mode: args.environment === "production" ? "enforce" : "warn",
            images: [{ glob: `${args.registryAccountId}.dkr.ecr.${args.region}.amazonaws.com/**` }],
            authorities: [
                {
                    name: "ci-keyless",
                    keyless: { url: fulcioUrl, identities: [{ issuer: args.signing.issuer, subject: args.signing.identity }] },
                    ctlog: { url: rekorUrl },
                    // The default, stated: what the delivery workflow's `cosign sign` writes (its comment says why).
                    signatureFormat: signatureFormat,
                },
            ],
        },
    };
}

export interface ImageAdmissionArgs extends AdmissionValuesArgs, SignedImagesPolicyArgs {
    stack: string;
}

export class ImageAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: ImageAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:images:ImageAdmission", name, {}, opts);
        if (args.namespaces.length === 0) throw new Error(`${name}: no namespaces to admit images in`);
        const release = helmRelease(
            name,
            policyController,
            {
                namespace: policyController.namespace,
                createNamespace: true,
                values: policyControllerValues(args),
            },
            { parent: this },
        );
        const policy = signedImagesPolicy(args);
        new k8s.apiextensions.CustomResource(
            `${name}-signed-images`,
            {
                apiVersion: policy.apiVersion,
                kind: policy.kind,
                metadata: { ...policy.metadata, labels: platformLabels("image-admission", "admission", args.stack) },
                spec: policy.spec,
            },
            { parent: this, dependsOn: [release] },
        );
        this.registerOutputs({});
    }
}
