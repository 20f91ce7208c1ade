// Backup settings: bucket retention and protection, job schedules, the runner image, and the
// restore a DR drill stack performs before MLflow starts. Only the zod pieces are defined here;
// infra/config.ts composes this section under `backups`; shared pieces come from infra/platform/schema.ts.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { awsRegion, imageReference, imageTag, int } from "../platform/schema";
import { backupJobNames, scheduleProblem } from "./schedule";

/** Five-field cron (minute hour day-of-month month day-of-week), as CronJob.spec.schedule takes it. */
const cron = z.string().regex(/^(\S+\s+){4}\S+$/, "a five-field cron schedule such as 15 1 * * *");

const backupRef = z.string({ error: "latest or a backup id" }).regex(/^(latest|[0-9A-Za-z][0-9A-Za-z._-]*)$/, "latest or a backup id");
const restoreFromError = "{ db, models }, each latest or a backup id of that kind (ids differ per kind)";

/** Which backup a new stack restores, and from where (the source stack's bucket and prefix). */
const restoreSchema = z
    .object({
        /**
         * Per kind, `latest` or a backup id: a db dump and a models archive never share an id. The
         * string `latest` is short for both latest; any other string is refused.
         */
        from: z.preprocess(
            (v) => (v === "latest" ? { db: "latest", models: "latest" } : v),
            z.object({ db: backupRef, models: backupRef }, { error: restoreFromError }).strict(),
        ),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
        /** The source stack's prefix inside that bucket (its stack name). */
        prefix: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a stack name"),
        /** KMS key of the source bucket (AWS stacks), so the restore role may decrypt exactly it. */
        kmsKeyArn: z
            .string()
            .regex(/^arn:aws[a-z-]*:kms:/, "a KMS key ARN")
            .optional(),
    })
    .strict();

export const backupsConfigSchema = z
    .object({
        /** Days a backup object is kept before it expires (after STANDARD_IA at 30 d and GLACIER at 90 d). */
        retentionDays: int(91),
        /** Days an overwritten (noncurrent) version is kept. */
        noncurrentDays: int(1),
        /** Object Lock GOVERNANCE default retention; 0 turns Object Lock off (it can only be set at bucket creation). */
        objectLockDays: int(0),
        /** Second region holding a replica of every backup (production); unset: no replication. */
        replicaRegion: awsRegion.optional(),
        /** Days S3 access logs of the backup bucket are kept. */
        accessLogDays: int(1),
        schedules: z.object({ db: cron, models: cron, config: cron, verify: cron }).strict(),
        /** The runner image in stacks that do not build it (local: loaded into the cluster by hand). */
        image: imageReference,
        /** AWS stacks: build images/backup/Dockerfile and push it to ECR under this immutable tag. */
        build: z.object({ tag: imageTag }).strict().nullish(),
        /** DR drill stacks: restore this backup before MLflow starts. */
        restore: restoreSchema.optional(),
    })
    .strict()
    .superRefine((c, ctx) => {
        // The staleness alerts are derived from the schedules: a schedule they cannot read, or one
        // that cannot keep its RPO, is a config error here rather than a wrong alert later.
        for (const kind of backupJobNames) {
            const problem = scheduleProblem(kind, c.schedules[kind]);
            if (problem) ctx.addIssue({ code: "custom", path: ["schedules", kind], message: problem });
        }
        if (c.objectLockDays > c.retentionDays) {
            ctx.addIssue({ code: "custom", path: ["objectLockDays"], message: `an integer <= backups.retentionDays (${c.retentionDays})` });
        }
    });
export type BackupsConfig = z.infer<typeof backupsConfigSchema>;
export type BackupSchedules = BackupsConfig["schedules"];
export type RestoreConfig = NonNullable<BackupsConfig["restore"]>;

/** The runner's version; bump it with any change under src/backup or images/backup (ECR tags are immutable). */
export const runnerVersion = "0.2.0";

export function backupsDefaults(env: Environment): BackupsConfig {
    const production = env === "production";
    return {
        retentionDays: 365,
        noncurrentDays: production ? 90 : 30,
        objectLockDays: production ? 30 : 0,
        ...(production ? { replicaRegion: "eu-central-1" } : {}),
        accessLogDays: production ? 365 : 90,
        // UTC. The dump runs first; models and config follow; verify restores Sunday's latest dump.
        schedules: { db: "15 1 * * *", models: "45 1 * * *", config: "30 2 * * *", verify: "0 4 * * 0" },
        image: `pneumonia-backup:${runnerVersion}`,
        ...(env === "local" ? {} : { build: { tag: runnerVersion } }),
    };
}
