// models / models-restore: the MLflow artifact store (run artifacts and registered model files).
import { ListObjectsV2Command, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import { extractArchive, publishArchive } from "./archive";
import { BackupError, step } from "./errors";
import { throwIfStopped } from "./stop";
import { BackupStore, partSize, type Manifest } from "./store";

export interface ArtifactLocation {
    bucket: string;
    /** Key prefix of the artifacts, without a trailing slash ("" for the whole bucket). */
    prefix: string;
}

async function* listObjects(client: S3Client, source: ArtifactLocation): AsyncGenerator<{ key: string; size: number }> {
    let token: string | undefined;
    do {
        const page = await step(`models: listing s3://${source.bucket}/${source.prefix}`, () =>
            client.send(
                new ListObjectsV2Command({
                    Bucket: source.bucket,
                    Prefix: source.prefix ? `${source.prefix}/` : undefined,
                    ContinuationToken: token,
                }),
            ),
        );
        for (const object of page.Contents ?? []) yield { key: object.Key!, size: object.Size ?? 0 };
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
}

function relative(location: ArtifactLocation, key: string): string {
    return location.prefix ? key.slice(location.prefix.length + 1) : key;
}

/**
 * Archives every object under the source prefix. An empty source is a failure (a wrong
 * MODELS_PREFIX or bucket would otherwise move `latest` onto an empty archive) unless `allowEmpty`.
 */
export async function modelsBackup(
    store: BackupStore,
    source: ArtifactLocation,
    options: { allowEmpty?: boolean } = {},
): Promise<Manifest> {
    return publishArchive(store, "models", async (archive) => {
        let objects = 0;
        let bytes = 0;
        for await (const object of listObjects(store.client, source)) {
            const url = `s3://${source.bucket}/${object.key}`;
            const body = await step(`models: reading ${url}`, async () => {
                const out = await store.client.send(new GetObjectCommand({ Bucket: source.bucket, Key: object.key }));
                return out.Body as Readable;
            });
            await step(`models: archiving ${url}`, () => archive.add(relative(source, object.key), object.size, body));
            objects++;
            bytes += object.size;
        }
        if (objects === 0 && !options.allowEmpty) {
            throw new BackupError(
                `models: s3://${source.bucket}/${source.prefix} holds no objects: nothing backed up, latest unchanged (check MODELS_BUCKET and MODELS_PREFIX; --allow-empty records an empty backup)`,
            );
        }
        return { source: `s3://${source.bucket}/${source.prefix}`, objects, bytes };
    });
}

/** Writes every archived artifact back under `target` (the artifact store of a new stack in a DR drill). */
export async function modelsRestore(
    store: BackupStore,
    from: string,
    target: ArtifactLocation,
): Promise<{ manifest: Manifest; objects: number }> {
    const manifest = await store.manifest("models", from);
    const objects = await extractArchive(store, manifest, async (name, size, body) => {
        // A stop ends the restore between objects; the object being written completes or fails whole.
        throwIfStopped();
        const key = target.prefix ? `${target.prefix}/${name}` : name;
        await step(`models-restore: writing s3://${target.bucket}/${key}`, () =>
            new Upload({
                client: store.client,
                partSize,
                queueSize: 2,
                params: { Bucket: target.bucket, Key: key, Body: body, ContentLength: size },
            }).done(),
        );
    });
    return { manifest, objects };
}
