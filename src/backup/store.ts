// The backup bucket as the runner sees it: streamed uploads that are aborted on failure, manifests,
// and the `latest.json` pointer of each kind that only moves once a backup is complete and checked.
import {
    GetObjectCommand,
    HeadObjectCommand,
    PutObjectCommand,
    RestoreObjectCommand,
    S3Client,
    type HeadObjectCommandOutput,
    type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { BackupError, describeError, step } from "./errors";
import { readRestoreSettings, type RestoreSettings, type RestoreTier, type Settings } from "./settings";
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

/**
 * The storage classes GetObject refuses with InvalidObjectState until a restore (RestoreObject)
 * has made a temporary copy, and how long a retrieval typically takes per tier
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/restoring-objects-retrieval-options.html;
 * Expedited is not offered for DEEP_ARCHIVE). The backup lifecycle moves dumps to GLACIER at 90
 * days (infra/backups/bucket.ts); manifests and pointers stay readable (lifecycle transitions skip
 * objects under 128 KiB by default).
 */
export const archiveRetrieval: Record<string, Partial<Record<RestoreTier, string>>> = {
    GLACIER: { Expedited: "1–5 minutes", Standard: "3–5 hours", Bulk: "5–12 hours" },
    DEEP_ARCHIVE: { Standard: "within 12 hours", Bulk: "within 48 hours" },
};

/** HeadObject's x-amz-restore once the restored copy can be read. */
const restored = (head: HeadObjectCommandOutput) => head.Restore?.includes('ongoing-request="false"') === true;

function minutes(seconds: number): string {
    return seconds >= 3600
        ? `${+(seconds / 3600).toFixed(1)} h`
        : seconds >= 60
          ? `${Math.round(seconds / 60)} min`
          : `${Math.round(seconds)} s`;
}

export function isNotFound(error: unknown): boolean {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** A fresh backup id: sortable UTC time plus a random suffix, e.g. 20261127T201500Z-3f2a. */
export function newBackupId(now: Date = new Date()): string {
    const stamp = now
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d+Z$/, "Z");
    return `${stamp}-${Math.floor(Math.random() * 0x10000)
        .toString(16)
        .padStart(4, "0")}`;
}

export class BackupStore {
    readonly client: S3Client;

    /**
     * `log` gets the progress lines of a restore from an archive storage class (stderr: stdout keeps
     * the runner's one result line); `restore` defaults to RESTORE_* from the environment.
     */
    constructor(
        readonly settings: Settings,
        client?: S3Client,
        private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
        private readonly restore: () => RestoreSettings = () => readRestoreSettings(process.env),
    ) {
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
        const head = await step(`checking ${this.url(key)}`, () =>
            this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key })),
        );
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
        const get = () => this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key, VersionId: versionId }));
        return step(`reading ${this.url(key)}`, async () => {
            try {
                return (await get()).Body as Readable;
            } catch (error) {
                if (isNotFound(error)) throw new BackupError(`backup object ${this.url(key)} not found`);
                // An archived object: restore it (or say how long that takes), then read it.
                if ((error as { name?: string }).name !== "InvalidObjectState") throw error;
                await this.ensureReadable(key, versionId);
                return (await get()).Body as Readable;
            }
        });
    }

    /**
     * Returns once `key` can be read. An object in an archive storage class is restored first
     * (RestoreObject, unless a restore is already under way), with a progress line per poll; if the
     * restore has not finished within RESTORE_WAIT, fails saying how long it typically takes and how
     * to finish. The DR drill calls this (through ensureBackupReadable) before it creates anything.
     */
    async ensureReadable(key: string, versionId?: string): Promise<void> {
        const url = this.url(key);
        const head = () =>
            step(`checking ${url}`, () =>
                this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key, VersionId: versionId })),
            );
        const first = await head();
        const storageClass = first.StorageClass ?? "STANDARD";
        const times = archiveRetrieval[storageClass];
        if (!times || restored(first)) return;
        const settings = this.restore();
        // DEEP_ARCHIVE has no Expedited retrieval: Standard is the fastest there is.
        const tier: RestoreTier = times[settings.tier] ? settings.tier : "Standard";
        const typical = `${tier} retrieval, typically ${times[tier]}`;
        if (first.Restore === undefined) {
            await step(`requesting the restore of ${url} from ${storageClass}`, async () => {
                try {
                    await this.client.send(
                        new RestoreObjectCommand({
                            Bucket: this.settings.bucket,
                            Key: key,
                            VersionId: versionId,
                            RestoreRequest: { Days: settings.days, GlacierJobParameters: { Tier: tier } },
                        }),
                    );
                } catch (error) {
                    // Someone else (another run, an operator) asked first: wait for theirs.
                    if ((error as { name?: string }).name !== "RestoreAlreadyInProgress") throw error;
                }
            });
            this.log(`${url} is in ${storageClass}: restore requested (${typical}); waiting up to ${minutes(settings.waitSeconds)}`);
        } else {
            this.log(
                `${url} is in ${storageClass}: a restore is already under way (${typical}); waiting up to ${minutes(settings.waitSeconds)}`,
            );
        }
        const started = Date.now();
        for (;;) {
            const waited = (Date.now() - started) / 1000;
            if (waited >= settings.waitSeconds) {
                throw new BackupError(
                    `${url} is in ${storageClass} and its restore (${typical}) has not finished after ${minutes(waited)}: run the same command again once ` +
                        `\`aws s3api head-object --bucket ${this.settings.bucket} --key ${key}\` shows ongoing-request="false", or set RESTORE_WAIT to wait longer`,
                );
            }
            try {
                await sleep(Math.min(settings.pollSeconds, settings.waitSeconds - waited) * 1000, undefined, { signal: stopSignal });
            } catch {
                throwIfStopped();
            }
            if (restored(await head())) {
                this.log(`${url}: restored from ${storageClass} after ${minutes((Date.now() - started) / 1000)}`);
                return;
            }
            this.log(
                `${url}: restore from ${storageClass} under way, ${minutes((Date.now() - started) / 1000)} of up to ${minutes(settings.waitSeconds)} waited`,
            );
        }
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

/**
 * For the DR drill (src/dr): makes each named backup's archive readable before the restore Job
 * needs it, restoring it from an archive storage class with progress (BackupStore.ensureReadable).
 * Call it with the ids the drill read, before creating the drill stack; it fails with how long the
 * restore takes and how to finish when RESTORE_WAIT runs out.
 */
export async function ensureBackupsReadable(store: BackupStore, backups: Array<{ kind: Kind; id: string }>): Promise<Manifest[]> {
    const manifests = await Promise.all(backups.map((b) => store.manifest(b.kind, b.id)));
    await Promise.all(manifests.map((m) => store.ensureReadable(m.key, m.versionId)));
    return manifests;
}
