// BackupBucket, BackupJobs and RestoreJob under Pulumi mocks: every protection the issue asks for,
// and every rendered Kubernetes object validated against its schema.
import assert from "node:assert/strict";
import { render, find, ofType, validateKubernetes, type Registered } from "./mocks";
import * as pulumi from "@pulumi/pulumi";
import { BackupBucket, backupBucketProtection, lifecycleRules } from "../../../infra/backups/bucket";
import { backupsDefaults, backupsConfigSchema, type BackupsConfig } from "../../../infra/backups/config";
import { BackupJobs, backupJobNames, type BackupJobsArgs } from "../../../infra/backups/jobs";
import { backupDeadlineSeconds } from "../../../infra/backups/schedule";
import { statementMatches } from "../../helpers/s3-policy";
import { RestoreJob, restoreSourceStatements } from "../../../infra/backups/restore";
import type { BucketGrant, StorageAccess } from "../../../infra/object-store/component";

const tags = { project: "pneumonia-platform" };
const sourceBucket = {
    bucket: pulumi.output("backups-src0001"),
    arn: pulumi.output("arn:aws:s3:::backups-src0001"),
    kmsKeyArn: pulumi.output("arn:aws:kms:eu-west-1:123456789012:key/src"),
};

function bucketPolicy(resources: Registered[], name: string): any {
    return JSON.parse(find(resources, "aws:s3/bucketPolicy:BucketPolicy", name).inputs.policy);
}

describe("infra/backups", () => {
    describe("BackupBucket (production defaults)", () => {
        const config = backupsDefaults("production");
        let resources: Registered[];
        before(async () => {
            resources = await render(
                () =>
                    new BackupBucket("backups", {
                        bucket: sourceBucket,
                        config,
                        stack: "production",
                        region: "eu-west-1",
                        tags,
                        protect: true,
                    }),
            );
        });

        it("moves each prefix to STANDARD_IA at 30 d and GLACIER at 90 d, expires at the retention, drops old versions and stale uploads", () => {
            const rules = find(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "backups").inputs
                .rules as any[];
            for (const kind of ["db", "models", "config"]) {
                const rule = rules.find((r) => r.filter.prefix === `production/${kind}/`);
                assert.ok(rule, kind);
                assert.equal(rule.status, "Enabled");
                assert.deepEqual(rule.transitions, [
                    { days: 30, storageClass: "STANDARD_IA" },
                    { days: 90, storageClass: "GLACIER" },
                ]);
                assert.deepEqual(rule.expiration, { days: 365 });
                assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 90 });
            }
            const abort = rules.find((r) => r.abortIncompleteMultipartUpload);
            assert.deepEqual(abort.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
            assert.equal(abort.filter.prefix, "", "for every prefix");
        });

        it("logs access to a separate SSE-S3 bucket that admits only the S3 logging service from this bucket", () => {
            const logging = find(resources, "aws:s3/bucketLogging:BucketLogging", "backups").inputs;
            assert.equal(logging.bucket, "backups-src0001");
            assert.match(logging.targetBucket, /^backups-access-logs-/);
            const sse = find(
                resources,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "backups-access-logs",
            ).inputs;
            assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
            const block = find(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "backups-access-logs").inputs;
            assert.deepEqual(
                [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
                [true, true, true, true],
            );
            const policy = bucketPolicy(resources, "backups-access-logs");
            const allow = policy.Statement.find((s: any) => s.Effect === "Allow");
            assert.deepEqual(allow.Principal, { Service: "logging.s3.amazonaws.com" });
            assert.deepEqual(allow.Condition, { ArnLike: { "aws:SourceArn": "arn:aws:s3:::backups-src0001" } });
            assert.ok(policy.Statement.some((s: any) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"));
        });

        it("replicates to a bucket in the replica region with its own key and Object Lock, without replicating deletes", () => {
            const replicaProvider = find(resources, "pulumi:providers:aws", "backups-replica").inputs;
            assert.equal(replicaProvider.region, "eu-central-1");
            const replicaBucket = find(resources, "aws:s3/bucket:Bucket", "backups-replica");
            assert.match(replicaBucket.provider ?? "", /backups-replica/);
            assert.equal(replicaBucket.inputs.objectLockEnabled, true);
            const replicaKey = find(resources, "aws:kms/key:Key", "backups-replica-key");
            assert.match(replicaKey.provider ?? "", /backups-replica/, "the replica's key lives in the replica region");
            const lock = find(resources, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "backups-replica").inputs;
            assert.deepEqual(lock.rule.defaultRetention, { mode: "GOVERNANCE", days: 30 });

            const replication = find(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "backups").inputs;
            const [rule] = replication.rules;
            assert.equal(rule.status, "Enabled");
            assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" });
            assert.deepEqual(rule.sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
            assert.equal(rule.destination.bucket, "arn:aws:s3:::backups-replica-mock0001");
            assert.equal(
                rule.destination.encryptionConfiguration.replicaKmsKeyId,
                "arn:aws:kms:eu-west-1:123456789012:key/backups-replica-key",
            );
        });

        it("gives the replication role read on the source, replicate on the replica, and exactly the two keys", () => {
            const trust = JSON.parse(find(resources, "aws:iam/role:Role", "backups-replication").inputs.assumeRolePolicy);
            assert.deepEqual(trust.Statement[0].Principal, { Service: "s3.amazonaws.com" });
            // S3 assumes the role with the source bucket as aws:SourceArn and its owner as aws:SourceAccount
            // (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html): only ours may.
            const assumes = (context: Record<string, string>) =>
                statementMatches(trust.Statement[0], { action: "sts:AssumeRole", resource: "", context });
            assert.equal(assumes({ "aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::backups-src0001" }), true);
            assert.equal(assumes({ "aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:s3:::another-accounts-bucket" }), false);
            assert.equal(assumes({ "aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:s3:::another-bucket-of-ours" }), false);
            assert.equal(assumes({}), false, "a request that names no source is refused");
            const policy = JSON.parse(find(resources, "aws:iam/rolePolicy:RolePolicy", "backups-replication").inputs.policy);
            const actions = policy.Statement.flatMap((s: any) => s.Action);
            for (const action of [
                "s3:GetReplicationConfiguration",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
                "s3:ReplicateObject",
                "kms:Decrypt",
                "kms:Encrypt",
            ]) {
                assert.ok(actions.includes(action), action);
            }
            assert.ok(!actions.some((a: string) => /Delete|\*/.test(a)), `no delete or wildcard: ${actions}`);
            const decrypt = policy.Statement.find((s: any) => s.Action.includes("kms:Decrypt"));
            assert.deepEqual(decrypt.Resource, ["arn:aws:kms:eu-west-1:123456789012:key/src"]);
        });

        it("refuses a replica in the bucket's own region", () => {
            assert.throws(
                () =>
                    new BackupBucket("same", {
                        bucket: sourceBucket,
                        config: { ...config, replicaRegion: "eu-west-1" },
                        stack: "production",
                        region: "eu-west-1",
                        tags,
                        protect: false,
                    }),
                /backups\.replicaRegion must differ from the bucket's region eu-west-1/,
            );
        });
    });

    describe("BackupBucket (staging defaults)", () => {
        it("has no replica and no Object Lock", async () => {
            const resources = await render(
                () =>
                    new BackupBucket("staging-backups", {
                        bucket: sourceBucket,
                        config: backupsDefaults("staging"),
                        stack: "staging",
                        region: "eu-west-1",
                        tags,
                        protect: false,
                    }),
            );
            assert.deepEqual(ofType(resources, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"), []);
            assert.deepEqual(backupBucketProtection(backupsDefaults("staging")).backupObjectLock, undefined);
            assert.equal(ofType(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").length, 2);
        });
    });

    describe("backup bucket protection passed to ObjectStorage", () => {
        it("sets Object Lock GOVERNANCE with the configured days in production", () => {
            assert.deepEqual(backupBucketProtection(backupsDefaults("production")).backupObjectLock, { mode: "GOVERNANCE", days: 30 });
        });

        // The bucket policy against S3's request shapes: tests/infra/backups/bucket-policy.test.ts.
    });

    describe("config schema", () => {
        const parse = (override: Partial<BackupsConfig>) =>
            backupsConfigSchema.safeParse({ ...backupsDefaults("production"), ...override });
        it("accepts every environment's defaults", () => {
            for (const env of ["local", "staging", "production"] as const)
                assert.ok(backupsConfigSchema.safeParse(backupsDefaults(env)).success, env);
        });
        it("rejects a retention the GLACIER transition at 90 d would not fit in", () => {
            const result = parse({ retentionDays: 60 });
            assert.equal(result.success, false);
            assert.equal(result.error!.issues[0].message, "an integer >= 91");
        });
        it("rejects an Object Lock longer than the retention, a bad cron and a latest image", () => {
            assert.match(parse({ objectLockDays: 400 }).error!.issues[0].message, /backups\.retentionDays \(365\)/);
            assert.match(
                parse({ schedules: { db: "daily", models: "0 1 * * *", config: "0 1 * * *", verify: "0 1 * * 0" } }).error!.issues[0]
                    .message,
                /five-field cron/,
            );
            assert.match(parse({ image: "pneumonia-backup:latest" }).error!.issues[0].message, /not latest/);
        });
        it("lifecycle rules follow the configured retention and noncurrent days", () => {
            const rules = lifecycleRules({ ...backupsDefaults("staging"), retentionDays: 200, noncurrentDays: 14 }, "staging");
            assert.deepEqual(rules[0].expiration, { days: 200 });
            assert.deepEqual(rules[0].noncurrentVersionExpiration, { noncurrentDays: 14 });
        });
    });

    describe("BackupJobs", () => {
        const grants: Record<string, BucketGrant[]> = {};
        const storage = (name: string, _ns: string, sa: string, g: BucketGrant[]): StorageAccess => {
            grants[sa] = g;
            return {
                serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": `arn:aws:iam::123456789012:role/${name}` },
                env: [{ name: "AWS_REGION", value: "eu-west-1" }],
                egress: { port: 443 },
                podLabels: {},
            };
        };
        const args: BackupJobsArgs = {
            schedules: backupsDefaults("production").schedules,
            stack: "production",
            namespace: "pneumonia",
            image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-backup@sha256:" + "a".repeat(64),
            storage,
            backupBucket: "backups-abc",
            artifactBucket: "mlflow-artifacts-abc",
            backupKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/backups",
            connectionSecretName: "database-connection",
            databaseEgress: { port: 5432 },
            pushgateway: {
                url: "http://pushgateway.monitoring.svc:9091",
                egress: { port: 9091, peers: [{ namespace: "monitoring", pods: { "app.kubernetes.io/name": "pushgateway" } }] },
            },
            configObjects: [
                { namespace: "pneumonia", kind: "secrets", name: "database-connection" },
                { namespace: "monitoring", kind: "configmaps", name: "alertmanager-routes" },
            ],
        };
        let resources: Registered[];
        before(async () => {
            resources = await render(() => new BackupJobs("backups", args));
        });

        it("renders only schema-valid Kubernetes objects", async () => {
            assert.ok((await validateKubernetes(resources)) >= 12);
        });

        it("schedules db, models and config daily and verify weekly, never overlapping, with deadlines and bounded history", () => {
            const cron = ofType(resources, "kubernetes:batch/v1:CronJob");
            assert.deepEqual(cron.map((c) => c.inputs.metadata.name).sort(), [
                "backup-config",
                "backup-db",
                "backup-models",
                "backup-verify",
            ]);
            for (const c of cron) {
                const spec = c.inputs.spec;
                const daily = c.inputs.metadata.name !== "backup-verify";
                assert.match(spec.schedule, daily ? /^\d+ \d+ \* \* \*$/ : /^\d+ \d+ \* \* [0-6]$/, c.name);
                assert.equal(spec.concurrencyPolicy, "Forbid");
                assert.ok(spec.startingDeadlineSeconds > 0);
                assert.ok(spec.successfulJobsHistoryLimit <= 3 && spec.failedJobsHistoryLimit <= 3);
                assert.ok(spec.jobTemplate.spec.activeDeadlineSeconds > 0 && spec.jobTemplate.spec.activeDeadlineSeconds <= 4 * 3600);
                // The staleness limits assume a run ends by this deadline (infra/backups/schedule.ts).
                const kind = c.inputs.metadata.name.replace(/^backup-/, "") as keyof typeof backupDeadlineSeconds;
                assert.equal(spec.jobTemplate.spec.activeDeadlineSeconds, backupDeadlineSeconds[kind]);
                assert.ok(spec.jobTemplate.spec.backoffLimit <= 3);
                assert.ok(spec.jobTemplate.spec.ttlSecondsAfterFinished > 0);
            }
        });

        it("runs the runner image restricted: non-root, read-only root, no privilege escalation, all capabilities dropped", () => {
            for (const c of ofType(resources, "kubernetes:batch/v1:CronJob")) {
                const pod = c.inputs.spec.jobTemplate.spec.template.spec;
                assert.equal(pod.securityContext.runAsNonRoot, true);
                assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
                const [container] = pod.containers;
                assert.equal(container.image, args.image);
                assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
                assert.equal(container.securityContext.readOnlyRootFilesystem, true);
                assert.equal(container.securityContext.allowPrivilegeEscalation, false);
                assert.ok(container.resources.limits.memory);
            }
        });

        it("gives each job its own service account, bound to a role for its prefix that may not delete", () => {
            for (const job of backupJobNames) {
                const sa = find(resources, "kubernetes:core/v1:ServiceAccount", `backups-${job}`).inputs;
                assert.equal(sa.metadata.name, `backup-${job}`);
                assert.match(sa.metadata.annotations["eks.amazonaws.com/role-arn"], new RegExp(`role/backups-${job}$`));
            }
            assert.deepEqual(grants["backup-db"], [{ bucket: "backups", prefix: "production/db", access: "write-no-delete" }]);
            assert.deepEqual(grants["backup-config"], [{ bucket: "backups", prefix: "production/config", access: "write-no-delete" }]);
            assert.deepEqual(grants["backup-verify"], [{ bucket: "backups", prefix: "production/db", access: "read" }]);
            assert.deepEqual(grants["backup-models"], [
                { bucket: "artifacts", prefix: "mlflow", access: "read" },
                { bucket: "backups", prefix: "production/models", access: "write-no-delete" },
            ]);
            for (const g of Object.values(grants).flat()) assert.notEqual(g.access, "read-write");
        });

        it("reads the database URL from the connection Secret and names the bucket key; no secret value in the spec", () => {
            const db = find(resources, "kubernetes:batch/v1:CronJob", "backups-db").inputs;
            const env = Object.fromEntries(
                db.spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]),
            );
            assert.deepEqual(env.DATABASE_URL, { secretKeyRef: { name: "database-connection", key: "uri" } });
            assert.equal(env.BACKUP_BUCKET, "backups-abc");
            assert.equal(env.BACKUP_PREFIX, "production");
            assert.equal(env.BACKUP_KMS_KEY_ID, "arn:aws:kms:eu-west-1:123456789012:key/backups");
            assert.equal(env.PUSHGATEWAY_URL, "http://pushgateway.monitoring.svc:9091");
            assert.deepEqual(db.spec.jobTemplate.spec.template.spec.containers[0].args, ["db-dump"]);
            assert.equal(db.spec.jobTemplate.spec.template.metadata.labels["pneumonia.io/database-client"], "true");
            const models = find(resources, "kubernetes:batch/v1:CronJob", "backups-models").inputs;
            assert.equal(
                models.spec.jobTemplate.spec.template.metadata.labels["pneumonia.io/database-client"],
                undefined,
                "models needs no database",
            );
        });

        it("lets only the config job use the Kubernetes API, to get exactly the configured objects", () => {
            for (const job of backupJobNames) {
                const pod = find(resources, "kubernetes:batch/v1:CronJob", `backups-${job}`).inputs.spec.jobTemplate.spec.template.spec;
                assert.equal(pod.automountServiceAccountToken, job === "config", job);
            }
            const roles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role");
            assert.deepEqual(roles.map((r) => [r.inputs.metadata.namespace, r.inputs.rules]).sort(), [
                ["monitoring", [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["alertmanager-routes"] }]],
                ["pneumonia", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["database-connection"] }]],
            ]);
            const config = find(resources, "kubernetes:batch/v1:CronJob", "backups-config").inputs;
            const env = config.spec.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === "CONFIG_OBJECTS");
            assert.equal(env.value, "pneumonia/secrets/database-connection,monitoring/configmaps/alertmanager-routes");
        });

        it("opens egress to S3, the Pushgateway and (for db and verify) the database only; no ingress", () => {
            const policy = (job: string) => find(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", `backup-${job}`).inputs.spec;
            const ports = (job: string) =>
                policy(job)
                    .egress.map((r: any) => r.ports[0].port)
                    .sort();
            assert.deepEqual(ports("db"), [443, 5432, 9091]);
            assert.deepEqual(ports("verify"), [443, 5432, 9091]);
            assert.deepEqual(ports("models"), [443, 9091]);
            assert.deepEqual(ports("config"), [443, 443, 6443, 9091]);
            for (const job of backupJobNames) {
                assert.deepEqual(policy(job).ingress, []);
                assert.deepEqual(policy(job).policyTypes, ["Ingress", "Egress"]);
                assert.equal(policy(job).podSelector.matchLabels["app.kubernetes.io/component"], `backup-${job}`);
            }
        });

        it("refuses an empty list of config objects", () => {
            assert.throws(() => new BackupJobs("empty", { ...args, configObjects: [] }), /configObjects is empty/);
        });
    });

    describe("RestoreJob", () => {
        // Ids are per kind: the dump and the archive of one night have different ids.
        const restore = {
            from: { db: "20261126T011500Z-3f2a", models: "20261125T014500Z-9c1d" },
            bucket: "backups-src0001",
            prefix: "production",
            kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/src",
        };
        let resources: Registered[];
        before(async () => {
            resources = await render(
                () =>
                    new RestoreJob("restore", {
                        restore,
                        stack: "dr-20261127t2100",
                        namespace: "pneumonia",
                        image: "pneumonia-backup:0.1.0",
                        storage: {
                            serviceAccountAnnotations: {},
                            env: [{ name: "AWS_REGION", value: "eu-west-1" }],
                            egress: { port: 443 },
                            podLabels: {},
                        },
                        artifactBucket: "mlflow-artifacts-new",
                        connectionSecretName: "database-connection",
                        databaseEgress: { port: 5432 },
                    }),
            );
        });

        it("renders schema-valid objects", async () => {
            assert.equal(await validateKubernetes(resources), 3);
        });

        it("restores the database first (init container), then the models, each from its own backup id", () => {
            const job = find(resources, "kubernetes:batch/v1:Job", "restore").inputs;
            const pod = job.spec.template.spec;
            assert.deepEqual(
                pod.initContainers.map((c: any) => c.args),
                [["db-restore", "--from", "20261126T011500Z-3f2a"]],
            );
            assert.deepEqual(
                pod.containers.map((c: any) => c.args),
                [["models-restore", "--from", "20261125T014500Z-9c1d"]],
            );
            const env = Object.fromEntries(pod.initContainers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
            assert.equal(env.BACKUP_BUCKET, "backups-src0001");
            assert.equal(env.BACKUP_PREFIX, "production");
            assert.deepEqual(env.TARGET_DATABASE_URL, { secretKeyRef: { name: "database-connection", key: "uri" } });
            const models = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
            assert.equal(models.MODELS_BUCKET, "mlflow-artifacts-new");
            assert.ok(job.spec.activeDeadlineSeconds <= 4 * 3600);
            assert.equal(pod.restartPolicy, "Never");
        });

        it("reads the source bucket's db and models prefixes (restoring archived ones) and decrypts with its key, nothing more", () => {
            const statements = restoreSourceStatements(restore);
            const actions = statements.flatMap((s) => s.Action as string[]);
            assert.deepEqual(actions.sort(), ["kms:Decrypt", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:RestoreObject"]);
            assert.deepEqual(statements[1].Resource, [
                "arn:aws:s3:::backups-src0001/production/db/*",
                "arn:aws:s3:::backups-src0001/production/models/*",
            ]);
        });
    });
});
