// The drill's view of the backups, through the backup runner's own store: the latest manifests of
// the source stack, and how many objects the drill stack's artifact bucket holds after the restore.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { BackupStore, s3Client } from "../backup/store";
import type { BackupReader, ObjectLocation } from "./drill";

/** Reads with the operator's AWS credentials; AWS_ENDPOINT_URL_S3 points it at an S3-compatible server. */
export function s3BackupReader(env: Record<string, string | undefined> = process.env): BackupReader {
    const settings = (location: ObjectLocation) => ({
        region: location.region ?? env.AWS_REGION ?? "us-east-1",
        ...(env.AWS_ENDPOINT_URL_S3 ? { endpoint: env.AWS_ENDPOINT_URL_S3 } : {}),
        bucket: location.bucket,
        prefix: location.prefix,
    });
    return {
        async latest(location) {
            const store = new BackupStore(settings(location));
            const [db, models] = await Promise.all([store.manifest("db", "latest"), store.manifest("models", "latest")]);
            return {
                db: { id: db.id, tables: (db.details.tables ?? {}) as Record<string, number>, takenAt: db.startedAt },
                models: { id: models.id, objects: Number(models.details.objects ?? 0), takenAt: models.startedAt },
            };
        },
        async countObjects(location) {
            const client = s3Client(settings(location));
            let count = 0;
            let token: string | undefined;
            do {
                const page = await client.send(
                    new ListObjectsV2Command({ Bucket: location.bucket, Prefix: `${location.prefix}/`, ContinuationToken: token }),
                );
                count += page.KeyCount ?? page.Contents?.length ?? 0;
                token = page.NextContinuationToken;
            } while (token);
            return count;
        },
    };
}
