// The database's config section: RDS in AWS, a single in-cluster Postgres elsewhere.
// infra/config.ts composes it under `database`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { bool, imageReference, int, oneOf, resources, resourcesSchema, storageQuantity } from "../platform/schema";

export const databaseSchema = z
    .object({
        kind: oneOf(["rds", "in-cluster"]),
        name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        username: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        /** In-cluster only: the official Postgres image. */
        image: imageReference,
        storageSize: storageQuantity,
        resources: resourcesSchema,
        /** RDS only. */
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "an RDS instance class such as db.t4g.medium"),
        engineVersion: z.string().regex(/^\d+(\.\d+)?$/),
        allocatedStorageGb: int(20),
        maxAllocatedStorageGb: int(20),
        backupRetentionDays: int(1, 35),
        multiAz: bool,
        deletionProtection: bool,
    })
    .strict();
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** Per-environment defaults; the stack file only states what differs. */
export function databaseDefaults(env: Environment): DatabaseConfig {
    const production = env === "production";
    const local = env === "local";
    return {
        kind: production ? "rds" : "in-cluster",
        name: "mlflow",
        username: "mlflow",
        image: "postgres:15.17-bookworm",
        storageSize: local ? "5Gi" : "20Gi",
        resources: resources("250m", "512Mi", "1", "1Gi"),
        instanceClass: "db.t4g.medium",
        engineVersion: "15",
        allocatedStorageGb: 50,
        maxAllocatedStorageGb: 200,
        backupRetentionDays: production ? 14 : 7,
        multiAz: production,
        deletionProtection: production,
    };
}
