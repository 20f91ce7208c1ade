// The bucket join (policies/lib/s3.ts) as the engine presents a new bucket during preview.
import * as assert from "node:assert/strict";
import * as proxy from "@pulumi/policy/proxy";
import { violations } from "../check";
import { edit } from "../factory";
import { backups } from "../aws/buckets";

const unknown = proxy as unknown as { unknownStringValue: string; unknownObjectValue: string };

describe("lib/s3", () => {
    it("pass a new bucket's first preview: names and inline settings unknown, settings joined by dependency", async () => {
        const [component, bucket, ...settings] = backups();
        const previewBucket = edit(bucket, (p) => {
            p.bucket = unknown.unknownStringValue;
            p.serverSideEncryptionConfiguration = unknown.unknownObjectValue;
            p.versioning = unknown.unknownObjectValue;
            p.policy = unknown.unknownStringValue;
            p.lifecycleRules = unknown.unknownObjectValue;
        });
        const previewSettings = settings.map((s) => ({
            ...edit(s, (p) => (p.bucket = unknown.unknownStringValue)),
            propertyDependencies: { bucket: [bucket.urn] },
        }));
        for (const policy of [
            "s3-bucket-kms-encryption",
            "s3-bucket-versioning",
            "s3-bucket-public-access-block",
            "s3-bucket-tls-only",
            "s3-bucket-owner-enforced",
            "s3-backup-bucket-lifecycle",
            "s3-backup-bucket-object-lock",
        ]) {
            assert.deepEqual(await violations(policy, [component, previewBucket, ...previewSettings]), [], policy);
        }
    });
});
