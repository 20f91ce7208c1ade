import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface ContainerImageArgs {
    /** The platform repository it is pushed to (infra/images/repositories.ts). */
    repository: aws.ecr.Repository;
    context: string;
    dockerfile: string;
    /** Immutable tag pushed with the image (the repository refuses to overwrite tags). */
    tag: string;
    buildArgs?: Record<string, string>;
}

/**
 * An image built from a Dockerfile of this repository and pushed to its platform repository.
 * `imageRef` is the pushed digest, so pods run exactly what was built.
 */
export class ContainerImage extends pulumi.ComponentResource {
    public readonly imageRef: pulumi.Output<string>;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:images:ContainerImage", name, {}, opts);
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(args.tag) || args.tag === "latest") {
            throw new Error(`${name}: tag "${args.tag}" is not an immutable image tag`);
        }
        const { repository } = args;
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
        this.imageRef = image.repoDigest;
        this.registerOutputs({ imageRef: this.imageRef });
    }
}

export interface WorkloadImageArgs {
    /** The image as configured: run as is when nothing is built. */
    image: pulumi.Input<string>;
    /** Build and push to the platform repository instead; the workload then runs the pushed digest. */
    build?: { context: string; dockerfile: string; tag: string; buildArgs?: Record<string, string> };
    /** Set in the registry account's stack, the only one whose config may build (infra/images/config.ts). */
    repository?: aws.ecr.Repository;
}

/** The image reference a workload runs: the configured one, or the digest of the one this stack builds. */
export function workloadImage(name: string, args: WorkloadImageArgs, opts: pulumi.ComponentResourceOptions): pulumi.Output<string> {
    if (!args.build) return pulumi.output(args.image);
    if (!args.repository) throw new Error(`${name}: built in a stack that owns no image repository (images.registryAccountId)`);
    return new ContainerImage(name, { repository: args.repository, ...args.build }, opts).imageRef;
}
