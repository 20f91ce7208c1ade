// The bootstrap stack's config: which account and environment it prepares, and for which repository.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ConfigError, refuseExampleValues } from "../infra/config";
import { deepMerge } from "../infra/platform/merge";
import { clusterCreateDefaults, clusterCreateSchema } from "../infra/cluster/config";
import { repositorySchema } from "../infra/platform/repository";
import { awsRegion, bool } from "../infra/platform/schema";

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account id");

export const bootstrapSchema = z
    .object({
        environment: z.enum(["staging", "production"], { error: 'one of "staging", "production"' }),
        /** This repository on GitHub: the only one whose workflows may assume the CI roles. */
        repository: repositorySchema,
        /** The account this stack prepares; `pulumi up` refuses to run with another account's credentials. */
        accountId,
        aws: z.object({ region: awsRegion }).strict(),
        /** This account holds the platform's image repositories (staging's): CI pushes and scans here. */
        registry: bool.default(false),
        /** Outside the registry account: the registry's account, where promote reads the digest. */
        registryAccountId: accountId.optional(),
        /** An account has one GitHub OIDC provider: set its ARN when another stack of the account made it. */
        /** Make the environment's VPC and EKS cluster (infra/cluster); omit to bring your own. `{}` takes the defaults. */
        cluster: clusterCreateSchema.optional(),
        githubOidcProviderArn: z
            .string()
            .regex(/^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, "the account's GitHub OIDC provider ARN")
            .optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (!c.registry && !c.registryAccountId)
            ctx.addIssue({
                code: "custom",
                path: ["registryAccountId"],
                message: "the registry's account id, required when registry is false",
            });
    });
export type BootstrapConfig = z.infer<typeof bootstrapSchema>;

export function parseBootstrapConfig(raw: Record<string, unknown>): BootstrapConfig {
    const environment = raw.environment === "production" ? "production" : "staging";
    const cluster =
        raw.cluster && typeof raw.cluster === "object"
            ? { cluster: deepMerge(clusterCreateDefaults(environment), raw.cluster as Record<string, unknown>) }
            : {};
    const result = bootstrapSchema.safeParse({ ...raw, ...cluster });
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const key = issue.path.map(String).join(".");
    const got = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], raw);
    const expected = issue.message.replace(/^Invalid input: expected /, "").replace(/, received .*$/, "");
    throw new ConfigError(`${key}: expected ${expected}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
}

export function loadBootstrapConfig(): BootstrapConfig {
    const config = new pulumi.Config();
    const raw: Record<string, unknown> = {};
    for (const key of Object.keys(bootstrapSchema.shape)) {
        const text = config.get(key);
        if (text === undefined) continue;
        // Structured values arrive as JSON; an account id stays the string it is (not a number).
        const parsed = (() => {
            try {
                return JSON.parse(text) as unknown;
            } catch {
                return text;
            }
        })();
        raw[key] = typeof parsed === "number" ? text : parsed;
    }
    refuseExampleValues(raw, pulumi.getStack());
    return parseBootstrapConfig(raw);
}
