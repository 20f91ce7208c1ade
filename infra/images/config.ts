// Image settings: which AWS account owns the platform's ECR repositories (the one that builds
// images), who else may pull from them, how long images are kept, the scan severity that blocks a
// promotion and the CI identity that signs images. Composed under `images` by infra/config.ts.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { int, oneOf } from "../platform/schema";

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account id");
const roleArn = z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "an IAM role ARN such as arn:aws:iam::444455556666:role/node");
/** ECR's finding severities, lowest to highest (DescribeImageScanFindings `findingSeverityCounts`). */
export const scanSeverities = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

const signingSchema = z
    .object({
        /** OIDC issuer of the CI's signing identity (GitHub Actions: https://token.actions.githubusercontent.com). */
        issuer: z.string().regex(/^https:\/\/[^\s/]+(\/\S*)?$/, "an https:// OIDC issuer URL"),
        /** The certificate identity cosign keyless puts in the signature: the signing workflow's URL and ref. */
        identity: z
            .string()
            .regex(
                /^https:\/\/\S+@refs\/\S+$/,
                "a workflow identity such as https://github.com/<org>/<repo>/.github/workflows/delivery.yml@refs/heads/main",
            ),
    })
    .strict();

export const imagesConfigSchema = z
    .object({
        /** The account whose registry holds every platform image; default (outside production): this stack's own account. */
        registryAccountId: accountId.optional(),
        /** Node roles of other accounts that may pull (production's nodes); only the registry's stack reads it. */
        pullers: z.array(roleArn),
        /** A role of this stack's account that `promote` assumes to prove this environment can pull the digest; it is among the registry's pullers. */
        promoteRoleArn: roleArn.optional(),
        /** Tags that mark a digest a stack runs or ran (promote adds `promoted-…`): never expired. */
        keepTagPrefixes: z.array(z.string().regex(/^[a-z][a-z0-9-]*-$/, "a tag prefix ending in - such as promoted-")).min(1),
        /** Days an untagged image (a superseded layer set, a failed push) is kept. */
        untaggedExpireDays: int(1),
        /** Images kept per repository beyond the kept tags: the newest ones, enough to roll back far. */
        keepImages: int(1),
        /** A promotion is refused when the image's scan has a finding at or above this severity. */
        blockingSeverity: oneOf(scanSeverities),
        /** Who signs images: admission accepts only images signed by this identity. */
        signing: signingSchema,
    })
    .strict();
export type ImagesConfig = z.infer<typeof imagesConfigSchema>;

export function imagesDefaults(_env: Environment): Omit<ImagesConfig, "registryAccountId"> {
    return {
        pullers: [],
        // sha256-: cosign's signature tags (sha256-<digest>.sig): a promoted digest without its signature fails admission.
        keepTagPrefixes: ["promoted-", "released-", "sha256-"],
        untaggedExpireDays: 7,
        keepImages: 100,
        blockingSeverity: "HIGH",
        signing: {
            issuer: "https://token.actions.githubusercontent.com",
            identity: "https://github.com/pneumonia-detector/pneumonia-platform/.github/workflows/delivery.yml@refs/heads/main",
        },
    };
}

/** The AWS account a stack runs in: the account of its cluster's IAM OIDC provider. */
export function stackAccountId(cluster: { oidcProviderArn: string } | undefined): string | undefined {
    return cluster?.oidcProviderArn.split(":")[4];
}

interface ImagesContext {
    environment: Environment;
    images: ImagesConfig;
    cluster?: { oidcProviderArn: string };
    builds: { path: string[]; set: boolean }[];
}

/** The registry's account: configured, or this stack's own outside production (production never builds). */
export function registryAccountId(c: Pick<ImagesContext, "environment" | "images" | "cluster">): string | undefined {
    return c.images.registryAccountId ?? (c.environment === "production" ? undefined : stackAccountId(c.cluster));
}

/** Cross-field rules: production names the registry; only the registry's account builds (pushes) images. */
export function imagesIssues(c: ImagesContext): [string[], string][] {
    const issues: [string[], string][] = [];
    if (!c.cluster) return issues;
    const registry = registryAccountId(c);
    if (registry === undefined)
        return [[["images", "registryAccountId"], "the account that builds images (staging's), required in production"]];
    const own = stackAccountId(c.cluster);
    for (const build of c.builds.filter((b) => b.set)) {
        if (registry !== own)
            issues.push([
                build.path,
                `null: only the registry's account (${registry}) builds images; run its digest (this stack is account ${own})`,
            ]);
    }
    const promoteRole = c.images.promoteRoleArn;
    if (promoteRole && promoteRole.split(":")[4] !== own)
        issues.push([["images", "promoteRoleArn"], `a role of this stack's account (${own})`]);
    c.images.pullers.forEach((arn, i) => {
        if (arn.split(":")[4] === registry)
            issues.push([
                ["images", "pullers", String(i)],
                `a role of another account than the registry's (${registry}): its own roles need no grant`,
            ]);
    });
    return issues;
}
