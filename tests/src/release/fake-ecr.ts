// ECR and STS as seen by one principal: answers computed from a repository policy document and an
// image list, refusing what the services refuse (per the ECR API reference,
// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/):
// - DescribeImages: RepositoryNotFoundException, ImageNotFoundException for a digest not in the repository
// - DescribeImageScanFindings: ImageNotFoundException, ScanNotFoundException for an image never scanned
// - BatchGetImage: a missing digest is a `failures` entry with failureCode ImageNotFound, not an exception
// - PutImage: ImageTagAlreadyExistsException for a tag already on another image (immutable tags)
// - every call: AccessDeniedException unless IAM allows the caller the action (tests/helpers/iam-policy.ts)
import { allowed } from "../../helpers/iam-policy";
import type { AwsSend } from "../../../src/release/verify";

export interface FakeImage {
    digest: string;
    tags: string[];
    scan?: { status: string; counts: Record<string, number> };
}

export interface FakeRegistry {
    account: string;
    region: string;
    repositories: Record<string, { policy?: unknown; images: FakeImage[] }>;
}

export interface Principal {
    arn: string;
    account: string;
    identityPolicies: unknown[];
}

function awsError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name, $fault: "client" });
}

export function fakeEcr(registry: FakeRegistry, caller: Principal, calls: string[] = []): AwsSend {
    return {
        async send(command: object) {
            const operation = command.constructor.name.replace(/Command$/, "");
            const input = (command as { input: Record<string, any> }).input;
            calls.push(operation);
            const repository = registry.repositories[input.repositoryName];
            const resource = `arn:aws:ecr:${registry.region}:${registry.account}:repository/${input.repositoryName}`;
            const request = {
                action: `ecr:${operation}`,
                principalArn: caller.arn,
                principalAccount: caller.account,
                resourceAccount: registry.account,
                resource,
            };
            if (!allowed(request, caller.identityPolicies, repository?.policy)) {
                throw awsError(
                    "AccessDeniedException",
                    `User: ${caller.arn} is not authorized to perform: ecr:${operation} on resource: ${resource}`,
                );
            }
            if (input.registryId !== registry.account || !repository) {
                throw awsError(
                    "RepositoryNotFoundException",
                    `The repository with name '${input.repositoryName}' does not exist in the registry with id '${input.registryId}'`,
                );
            }
            const find = (digest: string) => repository.images.find((i) => i.digest === digest);
            switch (operation) {
                case "DescribeImages": {
                    const found = input.imageIds.map((id: { imageDigest: string }) => find(id.imageDigest));
                    if (found.includes(undefined))
                        throw awsError("ImageNotFoundException", "The image requested does not exist in the specified repository.");
                    return { imageDetails: found.map((i: FakeImage) => ({ imageDigest: i.digest, imageTags: i.tags })) };
                }
                case "DescribeImageScanFindings": {
                    const image = find(input.imageId.imageDigest);
                    if (!image) throw awsError("ImageNotFoundException", "The image requested does not exist in the specified repository.");
                    if (!image.scan) throw awsError("ScanNotFoundException", "Image scan does not exist for the image");
                    return {
                        imageScanStatus: { status: image.scan.status },
                        imageScanFindings: { findingSeverityCounts: image.scan.counts },
                    };
                }
                case "BatchGetImage": {
                    const images = [];
                    const failures = [];
                    for (const id of input.imageIds as { imageDigest: string }[]) {
                        const image = find(id.imageDigest);
                        if (image)
                            images.push({
                                imageId: { imageDigest: image.digest },
                                imageManifest: `{"digest":"${image.digest}"}`,
                                imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
                            });
                        else failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: "Requested image not found" });
                    }
                    return { images, failures };
                }
                case "PutImage": {
                    const image = find(input.imageDigest);
                    if (!image || input.imageManifest !== `{"digest":"${image.digest}"}`)
                        throw awsError("ReferencedImagesNotFoundException", "manifest does not match");
                    const holder = repository.images.find((i) => i.tags.includes(input.imageTag));
                    if (holder && holder !== image)
                        throw awsError("ImageTagAlreadyExistsException", `The image tag '${input.imageTag}' already exists`);
                    image.tags.push(input.imageTag);
                    return { image: { imageId: { imageDigest: image.digest, imageTag: input.imageTag } } };
                }
                default:
                    throw new Error(`fake ECR: ${operation} is not modelled`);
            }
        },
    };
}

/** STS GetCallerIdentity for the principal (the one STS call the checks make with the target's credentials). */
export function fakeSts(caller: Principal): AwsSend {
    return {
        async send(command: object) {
            if (command.constructor.name !== "GetCallerIdentityCommand")
                throw new Error(`fake STS: ${command.constructor.name} is not modelled`);
            return {
                Account: caller.account,
                Arn: caller.arn.replace(":role/", ":assumed-role/").replace(/^arn:aws:iam/, "arn:aws:sts") + "/pneumonia-promote-verify",
                UserId: "AROAEXAMPLE:pneumonia-promote-verify",
            };
        },
    };
}
