// The pattern models and config share: entries streamed into a tar.gz, uploaded with its SHA-256,
// then manifest and pointer; and the way back, checked before anything is extracted.
import { pipeline } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { BackupError } from "./errors";
import { BackupStore, completedManifest, newBackupId, type Kind, type Manifest } from "./store";
import { checksumError, Digest, digestOf, VerifiedStream } from "./streams";

export interface ArchiveWriter {
    /** Adds one file; `body` is consumed before this resolves, so entries stream one at a time. */
    add(name: string, size: number, body: Readable | Buffer): Promise<void>;
}

export async function publishArchive(
    store: BackupStore,
    kind: Exclude<Kind, "db">,
    fill: (archive: ArchiveWriter) => Promise<Record<string, unknown>>,
): Promise<Manifest> {
    const startedAt = new Date();
    const id = newBackupId(startedAt);
    const key = store.key(kind, id, `${kind}.tar.gz`);
    const pack = tar.pack();
    const digest = new Digest();
    // Level 1: model weights barely compress, and the CPU is better spent keeping the upload fed.
    const body = pipeline(pack as unknown as Readable, createGzip({ level: 1 }), digest, () => undefined);
    const writer: ArchiveWriter = {
        add: (name, size, data) =>
            new Promise<void>((resolve, reject) => {
                if (Buffer.isBuffer(data)) {
                    pack.entry({ name, size, mode: 0o644 }, data, (error) => (error ? reject(error) : resolve()));
                    return;
                }
                const entry = pack.entry({ name, size, mode: 0o644 }, (error) => (error ? reject(error) : resolve()));
                data.once("error", reject);
                data.pipe(entry);
            }),
    };
    const filled = fill(writer).then(
        (details) => {
            pack.finalize();
            return details;
        },
        (error: Error) => {
            // Failing the archive fails the upload, which aborts the multipart upload.
            pack.destroy(error);
            throw error;
        },
    );
    const [stored, details] = await Promise.all([store.upload(key, body, () => digest.bytes, "application/gzip"), filled]);
    const manifest = completedManifest(kind, id, key, stored, digest.sha256(), startedAt, details);
    await store.commit(manifest);
    return manifest;
}

/**
 * Reads the archive twice: once to check it whole against the manifest (extraction writes files
 * one by one and cannot be undone), then to extract, checked again on the way.
 */
export async function extractArchive(
    store: BackupStore,
    manifest: Manifest,
    onEntry: (name: string, size: number, body: Readable) => Promise<void>,
): Promise<number> {
    const what = store.url(manifest.key);
    const actual = await digestOf(await store.open(manifest.key, manifest.versionId));
    if (actual.sha256 !== manifest.sha256 || actual.size !== manifest.size) throw checksumError(what, manifest, actual);
    const extract = tar.extract();
    let count = 0;
    const reading = pipelineAsync(
        await store.open(manifest.key, manifest.versionId),
        new VerifiedStream(manifest, what),
        createGunzip(),
        extract as unknown as NodeJS.WritableStream,
    );
    for await (const entry of extract) {
        if (entry.header.type !== "file") {
            entry.resume();
            continue;
        }
        if (entry.header.name.split("/").includes("..")) throw new BackupError(`${what}: unsafe entry name ${entry.header.name}`);
        // tar-stream entries are streamx streams; the SDK takes Node streams only.
        await onEntry(entry.header.name, entry.header.size ?? 0, Readable.from(entry));
        count++;
    }
    await reading;
    return count;
}
