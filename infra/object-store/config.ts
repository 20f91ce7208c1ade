// The object store's config section: S3 in AWS, an in-cluster S3-compatible server elsewhere.
// infra/config.ts composes it under `objectStore`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { imageReference, oneOf, resources, resourcesSchema, storageQuantity } from "../platform/schema";

export const objectStoreSchema = z
    .object({
        kind: oneOf(["s3", "in-cluster"]),
        /** In-cluster only: an S3-compatible server (MinIO). */
        image: imageReference,
        storageSize: storageQuantity,
        resources: resourcesSchema,
    })
    .strict();
export type ObjectStoreConfig = z.infer<typeof objectStoreSchema>;

/** Per-environment defaults; the stack file only states what differs. */
export function objectStoreDefaults(env: Environment): Partial<ObjectStoreConfig> {
    const local = env === "local";
    return {
        kind: local ? "in-cluster" : "s3",
        image: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
        storageSize: "10Gi",
        resources: resources("100m", "256Mi", "500m", "512Mi"),
    };
}
