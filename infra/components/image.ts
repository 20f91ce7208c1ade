import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface ContainerImageArgs {
    /** ECR repository name, e.g. pneumonia-detector. */
    repository: string;
    context: string;
    dockerfile: string;
    /** Immutable tag pushed with the image (the repository refuses to overwrite tags). */
    tag: string;
    buildArgs?: Record<string, string>;
    tags: Record<string, string>;
}

/**
 * An image built from a Dockerfile of this repository and pushed to its own ECR repository
 * (immutable tags, scan on push, KMS encryption). `imageRef` is the pushed digest, so pods run
 * exactly what was built.
 */
export class ContainerImage extends pulumi.ComponentResource {
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:images:ContainerImage", name, {}, opts);
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.tag) || args.tag === "latest") {
            throw new Error(`${name}: tag "${args.tag}" is not an immutable image tag`);
        }
        const repository = new aws.ecr.Repository(
            name,
            {
                name: args.repository,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: false,
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.ecr.LifecyclePolicy(
            name,
            {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: "Keep the last 50 images: enough to roll back far",
                            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 50 },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this },
        );
        const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
        const image = new docker.Image(
            name,
            {
                imageName: pulumi.interpolate`${repository.repositoryUrl}:${args.tag}`,
                build: { context: args.context, dockerfile: args.dockerfile, platform: "linux/amd64", args: args.buildArgs },
                registry: { server: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) },
            },
            { parent: this },
        );
        this.repositoryUrl = repository.repositoryUrl;
        this.imageRef = image.repoDigest;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
    }
}

export interface WorkloadImageArgs {
    /** The image as configured: run as is when nothing is built. */
    image: pulumi.Input<string>;
    /** Build and push to ECR instead; the workload then runs the pushed digest. */
    build?: { context: string; dockerfile: string; tag: string; buildArgs?: Record<string, string> };
    repository: string;
    tags: Record<string, string>;
}

/** The image reference a workload runs: the configured one, or the digest of the one this stack builds. */
export function workloadImage(name: string, args: WorkloadImageArgs, opts: pulumi.ComponentResourceOptions): pulumi.Output<string> {
    if (!args.build) return pulumi.output(args.image);
    return new ContainerImage(name, { repository: args.repository, ...args.build, tags: args.tags }, opts).imageRef;
}
