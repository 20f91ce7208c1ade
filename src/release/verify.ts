// Promotion's pre-checks: before `promote` changes anything, the digest must exist in the
// registry, its scan must be clean at the configured severity, the target environment must be able
// to pull it, and staging's latest successful update (its smoke check) must have run it. Each
// failure is one line naming which; nothing is written. Called once from promote.ts, after the
// staging load-test gate (src/release/load-test-gate.ts).
import {
    BatchGetImageCommand,
    DescribeImageScanFindingsCommand,
    DescribeImagesCommand,
    ECRClient,
    PutImageCommand,
} from "@aws-sdk/client-ecr";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { registryAccountId, scanSeverities, stackAccountId } from "../../infra/images/config";
import { ReleaseError } from "./image";
import { releases } from "./rollback";
import type { OpenStack, StackUpdate } from "./stack";
import { readStackFile } from "./stack-file";

type ScanSeverity = (typeof scanSeverities)[number];

/** The one method of an AWS SDK v3 client the checks use: the real client, or a fake that answers as the service does. */
export interface AwsSend {
    send(command: object): Promise<unknown>;
}

/** An image in a platform ECR repository: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<hex>`. */
export interface EcrImage {
    registryId: string;
    region: string;
    repositoryName: string;
    imageDigest: string;
}

export function parseEcrImage(image: string): EcrImage {
    const m =
        /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?@(sha256:[a-f0-9]{64})$/.exec(
            image,
        );
    if (!m)
        throw new ReleaseError(`${image}: not an ECR image pinned by digest (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:…)`);
    return { registryId: m[1]!, region: m[2]!, repositoryName: m[3]!, imageDigest: m[4]! };
}

export interface VerifyReleaseArgs {
    image: string;
    from: string;
    to: string;
    /** images.registryAccountId of the target: the only registry production pulls from. */
    registryAccountId: string;
    /** The target stack's own account (its cluster's). */
    targetAccountId: string;
    blockingSeverity: ScanSeverity;
    /** ECR in the registry's account (the pipeline's own credentials there): existence, scan, the promoted- tag. */
    registry: AwsSend;
    /** ECR and STS as the target account's role: the pull as production's nodes would make it. */
    target: { ecr: AwsSend; sts: AwsSend };
    /** The source stack's update history: Pulumi fails an update whose smoke-check Job fails. */
    sourceHistory: StackUpdate[];
    dryRun?: boolean;
    /** For the promoted- tag; the real clock by default. */
    now?: Date;
}

/** The tag `promote` adds to a promoted digest: the lifecycle policy keeps every `promoted-` image (infra/images/lifecycle.ts). */
export function promotedTag(to: string, now: Date): string {
    return `promoted-${to}-${now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z")}`;
}

function errorName(e: unknown): string {
    return (e as { name?: string }).name ?? "Error";
}

/** Throws a one-line ReleaseError naming the first check that fails; tags the digest promoted- once all pass (unless a dry run). */
export async function verifyRelease(args: VerifyReleaseArgs): Promise<void> {
    const ref = parseEcrImage(args.image);
    const { registryId, repositoryName, imageDigest } = ref;
    const imageIds = [{ imageDigest }];
    if (registryId !== args.registryAccountId) {
        throw new ReleaseError(`${args.image}: not in the registry's account ${args.registryAccountId} (images.registryAccountId)`);
    }

    try {
        await args.registry.send(new DescribeImagesCommand({ registryId, repositoryName, imageIds }));
    } catch (e) {
        if (errorName(e) === "ImageNotFoundException") throw new ReleaseError(`${args.image}: no such digest in ${repositoryName}`);
        if (errorName(e) === "RepositoryNotFoundException")
            throw new ReleaseError(`${args.image}: no repository ${repositoryName} in account ${registryId}`);
        throw e;
    }

    let scan: { imageScanStatus?: { status?: string }; imageScanFindings?: { findingSeverityCounts?: Record<string, number> } };
    try {
        scan = (await args.registry.send(
            new DescribeImageScanFindingsCommand({ registryId, repositoryName, imageId: { imageDigest } }),
        )) as typeof scan;
    } catch (e) {
        if (errorName(e) === "ScanNotFoundException") throw new ReleaseError(`${args.image}: never scanned (scan on push did not run)`);
        throw e;
    }
    const status = scan.imageScanStatus?.status;
    if (status !== "COMPLETE" && status !== "ACTIVE") throw new ReleaseError(`${args.image}: scan is ${status ?? "missing"}, not COMPLETE`);
    const blocking = scanSeverities.slice(scanSeverities.indexOf(args.blockingSeverity));
    const counts = scan.imageScanFindings?.findingSeverityCounts ?? {};
    const found = blocking.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
    if (found.length > 0)
        throw new ReleaseError(`${args.image}: scan has ${found.join(", ")} finding(s) at or above ${args.blockingSeverity}`);

    const caller = (await args.target.sts.send(new GetCallerIdentityCommand({}))) as { Account?: string; Arn?: string };
    if (caller.Account !== args.targetAccountId) {
        throw new ReleaseError(`pull check: credentials are account ${caller.Account}, not ${args.to}'s ${args.targetAccountId}`);
    }
    // BatchGetImage is the manifest fetch a kubelet's pull starts with: the grant that admits it admits the node's pull.
    try {
        const pulled = (await args.target.ecr.send(new BatchGetImageCommand({ registryId, repositoryName, imageIds }))) as {
            failures?: { failureCode?: string }[];
        };
        const failure = pulled.failures?.[0];
        if (failure) throw new ReleaseError(`${args.image}: ${args.to} cannot pull it (${failure.failureCode})`);
    } catch (e) {
        if (errorName(e) === "AccessDeniedException") {
            throw new ReleaseError(
                `${args.image}: ${args.to} (${caller.Arn}) may not pull from ${repositoryName}: add its node role to images.pullers of the registry's stack`,
            );
        }
        throw e;
    }

    const latest = releases(args.sourceHistory)[0];
    if (latest?.image !== args.image) {
        throw new ReleaseError(
            `${args.image}: ${args.from}'s latest successful update (with its smoke check) ran ${latest?.image ?? "nothing"}, not this image`,
        );
    }

    if (args.dryRun) return;
    // The lifecycle policy never expires a promoted- image: tag the digest before production runs it.
    const got = (await args.registry.send(new BatchGetImageCommand({ registryId, repositoryName, imageIds }))) as {
        images?: { imageManifest?: string; imageManifestMediaType?: string }[];
    };
    const manifest = got.images?.[0];
    if (!manifest?.imageManifest) throw new ReleaseError(`${args.image}: its manifest could not be read to tag it`);
    await args.registry.send(
        new PutImageCommand({
            registryId,
            repositoryName,
            imageManifest: manifest.imageManifest,
            imageManifestMediaType: manifest.imageManifestMediaType,
            imageDigest,
            imageTag: promotedTag(args.to, args.now ?? new Date()),
        }),
    );
}

/** ECR and STS clients as `roleArn` (assumed with the ambient credentials), or as the ambient credentials when no role is given. */
export async function clientsAs(region: string, roleArn: string | undefined): Promise<{ ecr: ECRClient; sts: STSClient }> {
    if (!roleArn) return { ecr: new ECRClient({ region }), sts: new STSClient({ region }) };
    const assumed = await new STSClient({ region }).send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "pneumonia-promote-verify" }),
    );
    const c = assumed.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new ReleaseError(`promote: assuming ${roleArn} returned no credentials`);
    const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    return { ecr: new ECRClient({ region, credentials }), sts: new STSClient({ region, credentials }) };
}

/**
 * The checks as `npm run promote` runs them: accounts, severity and roles from the stack files,
 * staging's history from its stack. Registry calls run as the source's
 * images.promoteRoleArn (a role of the registry's account) when set, else as the ambient
 * credentials; the pull check always as the target's. So the same command works from the staging
 * job and the production job, given sts:AssumeRole on both roles.
 */
export function releaseVerifier(
    open: OpenStack,
    options: { from: string; to: string; dryRun?: boolean },
): (image: string) => Promise<void> {
    return async (image) => {
        const target = readStackFile(options.to);
        const registry = registryAccountId(target);
        const targetAccountId = stackAccountId(target.cluster);
        if (!registry || !targetAccountId || !target.aws)
            throw new ReleaseError(`stack ${options.to}: no aws and cluster sections: nothing to verify a pull from`);
        const role = target.images.promoteRoleArn;
        if (!role)
            throw new ReleaseError(`stack ${options.to}: images.promoteRoleArn is unset: promote cannot prove ${options.to} can pull`);
        const source = readStackFile(options.from);
        const registryClients = await clientsAs(target.aws.region, source.images.promoteRoleArn);
        const targetClients = await clientsAs(target.aws.region, role);
        await verifyRelease({
            image,
            from: options.from,
            to: options.to,
            registryAccountId: registry,
            targetAccountId,
            blockingSeverity: target.images.blockingSeverity,
            registry: registryClients.ecr,
            target: targetClients,
            sourceHistory: await (await open(options.from)).history(),
            dryRun: options.dryRun,
        });
    };
}
