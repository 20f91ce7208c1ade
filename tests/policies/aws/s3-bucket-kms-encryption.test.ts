import * as assert from "node:assert/strict";
import { messages, violations } from "../check";
import { resource } from "../factory";
import { artifacts, without, editType } from "./buckets";

describe("aws/s3-bucket-kms-encryption", () => {
    it("passes a bucket encrypted with its own KMS key", async () => {
        assert.deepEqual(await messages("s3-bucket-kms-encryption", artifacts()), []);
    });
    it("flags a bucket without default encryption", async () => {
        const list = without(artifacts(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
        assert.deepEqual(await messages("s3-bucket-kms-encryption", list), ["bucket artifacts has no SSE-KMS default encryption"]);
    });
    it("flags SSE-S3 (AES256) and the AWS-managed key", async () => {
        const aes = editType(artifacts(), "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (p) => {
            p.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "AES256" };
        });
        assert.match((await messages("s3-bucket-kms-encryption", aes))[0], /no SSE-KMS default encryption \(found AES256\)/);
        const managed = editType(
            artifacts(),
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            (p) => {
                delete p.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId;
            },
        );
        assert.match((await messages("s3-bucket-kms-encryption", managed))[0], /AWS-managed key/);
        assert.deepEqual(await messages("s3-bucket-kms-encryption", managed, { requireCustomerManagedKey: false }), []);
    });
    it("reads the deprecated inline configuration of a bucket", async () => {
        const inline = resource("aws:s3/bucket:Bucket", "legacy", {
            bucket: "legacy-bucket",
            serverSideEncryptionConfiguration: {
                rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:1:key/k" } },
            },
        });
        assert.deepEqual(await messages("s3-bucket-kms-encryption", [inline]), []);
    });
    it("joins settings by the engine's property dependency before the bucket name", async () => {
        const [component, bucket, ...settings] = artifacts();
        const other = resource("aws:s3/bucket:Bucket", "other", { bucketPrefix: "artifacts-" });
        // The settings name a bucket the prefix alone cannot tell apart; the dependency can.
        const withDependency = settings.map((s) => ({ ...s, propertyDependencies: { bucket: [bucket.urn] } }));
        const result = await violations("s3-bucket-kms-encryption", [component, other, bucket, ...withDependency]);
        assert.deepEqual(
            result.map((v) => v.resource),
            [other.urn],
        );
    });
});
