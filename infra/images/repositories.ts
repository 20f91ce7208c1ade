// The platform's ECR repositories, owned by the one stack that runs in the registry's account
// (staging's, or a build account): immutable tags, scan on push, KMS encryption, the lifecycle of
// infra/images/lifecycle.ts and the cross-account pull grant of infra/images/pull-policy.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ImagesConfig } from "./config";
import { lifecycleRules } from "./lifecycle";
import { pullPolicy } from "./pull-policy";

/** Every image the platform runs from its own registry, by what it is. */
export const platformRepositories = { detector: "pneumonia-detector", mlflow: "pneumonia-mlflow", backup: "pneumonia-backup" } as const;
export type PlatformImage = keyof typeof platformRepositories;

export interface ImageRepositoriesArgs {
    images: ImagesConfig;
    tags: Record<string, string>;
    /** Production's registry, if it ever is one, keeps its repositories through a `pulumi destroy`. */
    protect: boolean;
}

export class ImageRepositories extends pulumi.ComponentResource {
    public readonly repositories: Record<PlatformImage, aws.ecr.Repository>;

    constructor(name: string, args: ImageRepositoriesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:images:ImageRepositories", name, {}, opts);
        const lifecycle = JSON.stringify({ rules: lifecycleRules(args.images) });
        const policy = pullPolicy(args.images.pullers);
        const entries = Object.entries(platformRepositories).map(([image, repositoryName]) => {
            const repository = new aws.ecr.Repository(
                `${name}-${image}`,
                {
                    name: repositoryName,
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "KMS" }],
                    forceDelete: false,
                    tags: args.tags,
                },
                // Each repository used to be a child of the ContainerImage that built into it: adopt it, do not replace it.
                {
                    parent: this,
                    protect: args.protect,
                    aliases: [{ name: `${image}-image`, parent: pulumi.createUrn(`${image}-image`, "pneumonia:images:ContainerImage") }],
                },
            );
            new aws.ecr.LifecyclePolicy(`${name}-${image}`, { repository: repository.name, policy: lifecycle }, { parent: this });
            if (policy) {
                new aws.ecr.RepositoryPolicy(
                    `${name}-${image}`,
                    { repository: repository.name, policy: JSON.stringify(policy) },
                    { parent: this },
                );
            }
            return [image, repository] as const;
        });
        this.repositories = Object.fromEntries(entries) as Record<PlatformImage, aws.ecr.Repository>;
        this.registerOutputs({ repositoryUrls: Object.fromEntries(entries.map(([image, r]) => [image, r.repositoryUrl])) });
    }
}
