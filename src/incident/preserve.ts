// `incident preserve`: copies what an investigation needs about one pod into the stack's evidence
// bucket (infra/security/evidence.ts), where Object Lock COMPLIANCE keeps it unchanged for the
// security team's retention. It reads only through the Kubernetes API and Loki, so it works while
// the pod is isolated (a quarantined pod's network is closed, the API server's view of it is not).
// Every object is written with If-None-Match: * (never over an existing key, which the bucket
// policy also demands) and an explicit COMPLIANCE retention, with its SHA-256 checked by S3 on
// arrival; the manifest, written last, lists every object's SHA-256 with the chain of custody.
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CheckFailedError } from "../cli/command";
import { kubectlJson } from "../release/kubectl";
import { readPod, type PodObject, type Target } from "./isolate";
import { snapshot, volumesOf } from "./snapshots";

/** Who ran it, when, from which commit of this repository: the chain-of-custody record. */
export interface Custody {
    incident: string;
    stack: string;
    namespace: string;
    pod: string;
    operator: string;
    /** The AWS identity that wrote the objects (STS GetCallerIdentity). */
    awsIdentity: string;
    collectedAt: string;
    commit: string;
    tool: "npm run incident -- preserve";
}

export interface ManifestEntry {
    key: string;
    bytes: number;
    sha256: string;
}

export interface PreserveOptions {
    bucket: string;
    s3: S3Client;
    retentionDays: number;
    /** Loki's HTTP base URL (a port-forward to the stack's lokiUrl), or unset to record that logs were not collected. */
    lokiUrl?: string;
    /** How far back the logs go, in seconds. */
    logWindowSeconds: number;
    custody: Omit<Custody, "namespace" | "pod" | "collectedAt" | "tool">;
    /** EBS snapshots of the node's and the pod's volumes, with the AWS CLI (its command) in `region`. */
    snapshots?: { aws: string[]; region: string };
    now?: Date;
}

export const sha256 = (body: string) => createHash("sha256").update(body).digest("hex");

/** The pod's owners, from its direct owner up to the top (ReplicaSet, then Deployment or Rollout). */
async function ownerChain(target: Target, pod: PodObject): Promise<unknown[]> {
    const chain: unknown[] = [];
    let refs = pod.metadata.ownerReferences ?? [];
    while (refs.length > 0 && chain.length < 5) {
        const ref = refs[0]!;
        const group = ref.apiVersion.includes("/") ? `.${ref.apiVersion.split("/")[0]}` : "";
        const { found, object } = await kubectlJson(target.access, [
            "--namespace",
            target.namespace,
            "get",
            `${ref.kind.toLowerCase()}${group}`,
            ref.name,
        ]);
        if (!found) {
            chain.push({ missing: ref });
            break;
        }
        chain.push(object);
        refs = (object as PodObject).metadata.ownerReferences ?? [];
    }
    return chain;
}

async function lokiLogs(url: string, target: Target, startSeconds: number, endSeconds: number): Promise<string> {
    const query = `{namespace="${target.namespace}", pod="${target.pod}"}`;
    const params = new URLSearchParams({
        query,
        start: `${startSeconds}000000000`,
        end: `${endSeconds}000000000`,
        limit: "5000",
        direction: "forward",
    });
    const response = await fetch(`${url}/loki/api/v1/query_range?${params}`);
    if (!response.ok) throw new CheckFailedError(`Loki ${url}: HTTP ${response.status} for the pod's logs; nothing was written`);
    return await response.text();
}

export async function preserve(target: Target, options: PreserveOptions): Promise<{ prefix: string; manifest: ManifestEntry[] }> {
    const now = options.now ?? new Date();
    // Everything is read first: a failure leaves nothing half-written in the bucket.
    const pod = await readPod(target);
    const events = await kubectlJson(target.access, [
        "--namespace",
        target.namespace,
        "get",
        "events",
        "--field-selector",
        `involvedObject.kind=Pod,involvedObject.name=${target.pod}`,
    ]);
    const owners = await ownerChain(target, pod);
    const node = pod.spec.nodeName ? (await kubectlJson(target.access, ["get", "node", pod.spec.nodeName])).object : undefined;
    const end = Math.floor(now.getTime() / 1000);
    const logs = options.lokiUrl ? await lokiLogs(options.lokiUrl, target, end - options.logWindowSeconds, end) : undefined;
    const images = (pod.status?.containerStatuses ?? []).map((c) => ({ container: c.name, image: c.image, digest: c.imageID }));
    const volumes = options.snapshots
        ? await volumesOf(
              target,
              pod,
              node as { spec?: { providerID?: string } } | undefined,
              options.snapshots.aws,
              options.snapshots.region,
          )
        : [];

    const custody: Custody = {
        ...options.custody,
        namespace: target.namespace,
        pod: target.pod,
        collectedAt: now.toISOString(),
        tool: "npm run incident -- preserve",
    };
    const prefix = `${custody.incident}/${custody.stack}/${target.namespace}/${target.pod}/${now.toISOString().replace(/[:.]/g, "-")}/`;
    // Snapshots start last among the reads: they are the one thing that costs money and is not undone by a failure.
    const snapshots = options.snapshots
        ? await snapshot(
              volumes,
              options.snapshots.aws,
              options.snapshots.region,
              custody.incident,
              `${custody.stack} ${target.namespace}/${target.pod}`,
          )
        : undefined;
    const objects: Record<string, string> = {
        "pod.json": JSON.stringify(pod, null, 2),
        "events.json": JSON.stringify(events.object ?? { items: [] }, null, 2),
        "owners.json": JSON.stringify(owners, null, 2),
        "images.json": JSON.stringify(images, null, 2),
        ...(node ? { "node.json": JSON.stringify(node, null, 2) } : {}),
        "logs.json": logs ?? JSON.stringify({ notCollected: "no --loki-url and no lokiUrl stack output" }),
        ...(snapshots ? { "snapshots.json": JSON.stringify(snapshots, null, 2) } : {}),
    };
    const retainUntil = new Date(now.getTime() + options.retentionDays * 86400_000);
    const put = async (key: string, body: string) => {
        const digest = createHash("sha256").update(body).digest();
        await options.s3.send(
            new PutObjectCommand({
                Bucket: options.bucket,
                Key: key,
                Body: body,
                ContentType: "application/json",
                IfNoneMatch: "*",
                ChecksumAlgorithm: "SHA256",
                ChecksumSHA256: digest.toString("base64"),
                ObjectLockMode: "COMPLIANCE",
                ObjectLockRetainUntilDate: retainUntil,
            }),
        );
        return { key, bytes: Buffer.byteLength(body), sha256: digest.toString("hex") };
    };
    const manifest: ManifestEntry[] = [];
    for (const [name, body] of Object.entries(objects)) manifest.push(await put(`${prefix}${name}`, body));
    manifest.push(
        await put(
            `${prefix}manifest.json`,
            JSON.stringify({ custody, retainUntil: retainUntil.toISOString(), objects: manifest }, null, 2),
        ),
    );

    // Read back: what the bucket holds is what was collected.
    for (const entry of manifest) {
        const body = await (
            await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: entry.key }))
        ).Body!.transformToString();
        if (sha256(body) !== entry.sha256)
            throw new CheckFailedError(`s3://${options.bucket}/${entry.key}: SHA-256 read back differs from what was written`);
    }
    return { prefix, manifest };
}
