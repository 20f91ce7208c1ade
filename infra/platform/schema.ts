// Schema pieces shared by every section of the stack config (infra/config.ts and the sections it
// composes). Each carries its own description, which becomes the "expected …" of an error.
import { z } from "zod";

/** An integer field whose every error reads "expected an integer >= min[, <= max]". */
export function int(min: number, max?: number) {
    const error = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    const schema = z.number({ error }).int({ error }).min(min, { error });
    return max === undefined ? schema : schema.max(max, { error });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `one of ${values.map((v) => JSON.stringify(v)).join(", ")}` });
}

export const bool = z.boolean({ error: "true or false" });

export const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1");
export const storageQuantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "a storage size such as 10Gi");

export function hasDigest(image: string): boolean {
    return /@sha256:[a-f0-9]{64}$/.test(image);
}

/** `repo:tag`, `repo@sha256:…` or both; never `latest` and never untagged. */
export const imageReference = z
    .string()
    .regex(
        /^[a-z0-9]+([._/:-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
        "an image reference such as repo:1.2.3 or repo@sha256:<64 hex>",
    )
    .refine((ref) => hasDigest(ref) || /:[^/]+$/.test(ref), "an image with an immutable tag or a digest")
    .refine((ref) => !/:latest(@|$)/.test(ref), "an immutable tag, not latest");

/** An image tag pushed once to an immutable ECR repository. */
export const imageTag = z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "an image tag such as 0.1.0")
    .refine((t) => t !== "latest", "an immutable tag, not latest");

const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, "a CPU quantity such as 500m or 2");
const memoryQuantity = z.string().regex(/^\d+(Ki|Mi|Gi|Ti)$/, "a memory quantity such as 512Mi or 2Gi");

export const resourcesSchema = z
    .object({
        requests: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
        limits: z.object({ cpu: cpuQuantity, memory: memoryQuantity }).strict(),
    })
    .strict();
export type Resources = z.infer<typeof resourcesSchema>;

/** Requests and limits of one container, as the per-environment defaults state them. */
export const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Resources => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});
