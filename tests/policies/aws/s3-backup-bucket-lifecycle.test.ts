import * as assert from "node:assert/strict";
import { messages } from "../check";
import { artifacts, backups, without, editType } from "./buckets";

describe("aws/s3-backup-bucket-lifecycle", () => {
    it("passes a backup bucket aborting multipart uploads, and ignores other buckets", async () => {
        assert.deepEqual(await messages("s3-backup-bucket-lifecycle", [...backups(), ...artifacts()]), []);
    });
    it("flags a backup bucket without lifecycle rules or without the multipart abort", async () => {
        const none = without(backups(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
        assert.deepEqual(await messages("s3-backup-bucket-lifecycle", none), [
            "bucket backups holds backups but has no enabled lifecycle rule",
        ]);
        const noAbort = editType(
            backups(),
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            (p) => delete p.rules[0].abortIncompleteMultipartUpload,
        );
        assert.match(
            (await messages("s3-backup-bucket-lifecycle", noAbort))[0],
            /no lifecycle rule aborting incomplete multipart uploads within 7 days/,
        );
    });
    it("finds backup buckets by the configured names", async () => {
        assert.equal((await messages("s3-backup-bucket-lifecycle", artifacts(), { backupBuckets: ["artifacts"] })).length, 1);
    });
});
