// The backup bucket as the runner sees it: streamed uploads that are aborted on failure, manifests,
// and the `latest.json` pointer of each kind that only moves once a backup is complete and checked.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { BackupError, describeError, step } from "./errors";
import type { Settings } from "./settings";
import { stopSignal, throwIfStopped, untilStopped } from "./stop";

export const kinds = ["db", "models", "config"] as const;
export type Kind = (typeof kinds)[number];

/** What a backup was, stored next to it as `<prefix>/<kind>/<id>/manifest.json`. */
export interface Manifest {
    kind: Kind;
    id: string;
    /** Key of the archive object. */
    key: string;
    /** Version of the archive object when the bucket is versioned: restores read exactly this one. */
    versionId?: string;
    size: number;
    sha256: string;
    startedAt: string;
    finishedAt: string;
    /** Kind-specific facts (row counts, object lists). */
    details: Record<string, unknown>;
}

/** The manifest of an upload that completed: what was stored, its checksum, and when. */
export function completedManifest(
    kind: Kind,
    id: string,
    key: string,
    stored: { size: number; versionId?: string },
    sha256: string,
    startedAt: Date,
    details: Record<string, unknown>,
): Manifest {
    return {
        kind,
        id,
        key,
        ...(stored.versionId ? { versionId: stored.versionId } : {}),
        size: stored.size,
        sha256,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        details,
    };
}

export interface Pointer {
    id: string;
    manifest: string;
    finishedAt: string;
}

/** 5 MiB parts (the S3 minimum), 3 in flight: the upload holds at most 15 MiB whatever the archive size. */
export const partSize = 5 * 1024 * 1024;
export const queueSize = 3;

export function s3Client(settings: Pick<Settings, "region" | "endpoint">): S3Client {
    return new S3Client({
        region: settings.region,
        ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
    });
}

export function isNotFound(error: unknown): boolean {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** A fresh backup id: sortable UTC time plus a random suffix, e.g. 20261127T201500Z-3f2a. */
export function newBackupId(now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    return `${stamp}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, "0")}`;
}

export class BackupStore {
    readonly client: S3Client;

    constructor(readonly settings: Settings, client?: S3Client) {
        this.client = client ?? s3Client(settings);
    }

    key(...parts: string[]): string {
        return [this.settings.prefix, ...parts].filter((p) => p !== "").join("/");
    }

    url(key: string): string {
        return `s3://${this.settings.bucket}/${key}`;
    }

    private encryption(): Pick<PutObjectCommandInput, "ServerSideEncryption" | "SSEKMSKeyId"> {
        return this.settings.kmsKeyId ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: this.settings.kmsKeyId } : {};
    }

    /**
     * Streams `body` to `key` as a multipart upload. If `body` fails (e.g. the dump program exits
     * non-zero) or S3 refuses a part, the multipart upload is aborted, so no object appears.
     * Returns the stored size and version, checked with a HEAD against the bytes sent.
     */
    async upload(key: string, body: Readable, sentBytes: () => number, contentType: string): Promise<{ size: number; versionId?: string }> {
        const upload = new Upload({
            client: this.client,
            partSize,
            queueSize,
            leavePartsOnError: false,
            params: { Bucket: this.settings.bucket, Key: key, Body: body, ContentType: contentType, ...this.encryption() },
        });
        try {
            // done() rejects when `body` errors and has aborted the multipart upload by then; a stop
            // fails `body` (not upload.abort(), whose done() rejects before the abort is sent).
            await untilStopped(upload.done(), (reason) => body.destroy(reason));
        } catch (error) {
            if (stopSignal.aborted) throw stopSignal.reason;
            if (error instanceof BackupError) throw error;
            throw new BackupError(`upload to ${this.url(key)} failed: ${describeError(error)}`, { cause: error });
        }
        const head = await step(`checking ${this.url(key)}`, () => this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key })));
        if (head.ContentLength !== sentBytes()) {
            throw new BackupError(`checking ${this.url(key)}: stored ${head.ContentLength} bytes, sent ${sentBytes()}`);
        }
        return { size: head.ContentLength, versionId: head.VersionId };
    }

    async putJson(key: string, value: unknown): Promise<void> {
        // Manifests and pointers are the steps that cannot be undone: none is written after a stop.
        throwIfStopped();
        await step(`writing ${this.url(key)}`, () =>
            this.client.send(
                new PutObjectCommand({
                    Bucket: this.settings.bucket,
                    Key: key,
                    Body: `${JSON.stringify(value, null, 2)}\n`,
                    ContentType: "application/json",
                    ...this.encryption(),
                }),
                { abortSignal: stopSignal },
            ),
        );
    }

    async getJson<T>(key: string, what: string): Promise<T> {
        const text = await step(`reading ${what} ${this.url(key)}`, async () => {
            try {
                const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
                return await out.Body!.transformToString();
            } catch (error) {
                if (isNotFound(error)) throw new BackupError(`${what} ${this.url(key)} not found`);
                throw error;
            }
        });
        try {
            return JSON.parse(text) as T;
        } catch {
            throw new BackupError(`${what} ${this.url(key)} is not valid JSON`);
        }
    }

    async open(key: string, versionId?: string): Promise<Readable> {
        return step(`reading ${this.url(key)}`, async () => {
            try {
                const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, VersionId: versionId }));
                return out.Body as Readable;
            } catch (error) {
                if (isNotFound(error)) throw new BackupError(`backup object ${this.url(key)} not found`);
                throw error;
            }
        });
    }

    manifestKey(kind: Kind, id: string): string {
        return this.key(kind, id, "manifest.json");
    }

    pointerKey(kind: Kind): string {
        return this.key(kind, "latest.json");
    }

    /** The manifest named by `from`: `latest` follows the pointer, anything else is a backup id. */
    async manifest(kind: Kind, from: string): Promise<Manifest> {
        let id = from;
        if (from === "latest") {
            id = (await this.getJson<Pointer>(this.pointerKey(kind), `latest ${kind} pointer`)).id;
        } else if (!/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(from)) {
            throw new BackupError(`--from: expected "latest" or a backup id, got "${from}"`);
        }
        const manifest = await this.getJson<Manifest>(this.manifestKey(kind, id), `${kind} manifest`);
        if (manifest.kind !== kind || manifest.id !== id || !/^[0-9a-f]{64}$/.test(manifest.sha256 ?? "")) {
            throw new BackupError(`${kind} manifest ${this.url(this.manifestKey(kind, id))} is not a ${kind} manifest for ${id}`);
        }
        return manifest;
    }

    /** Writes the manifest, then moves the pointer: the last step of every successful backup. */
    async commit(manifest: Manifest): Promise<void> {
        const manifestKey = this.manifestKey(manifest.kind, manifest.id);
        await this.putJson(manifestKey, manifest);
        const pointer: Pointer = { id: manifest.id, manifest: manifestKey, finishedAt: manifest.finishedAt };
        await this.putJson(this.pointerKey(manifest.kind), pointer);
    }
}
