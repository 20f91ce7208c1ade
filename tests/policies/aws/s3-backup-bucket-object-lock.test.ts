import * as assert from "node:assert/strict";
import { messages } from "../check";
import { secureBucket } from "../factory";
import { backups } from "./buckets";

describe("aws/s3-backup-bucket-object-lock", () => {
    it("passes a backup bucket with a GOVERNANCE default retention", async () => {
        assert.deepEqual(await messages("s3-backup-bucket-object-lock", backups()), []);
    });
    it("flags a backup bucket without Object Lock, or with too short a retention", async () => {
        const unlocked = secureBucket("backups", { lifecycle: true });
        assert.deepEqual(await messages("s3-backup-bucket-object-lock", unlocked), [
            "bucket backups holds backups but Object Lock is not enabled",
        ]);
        assert.match(
            (await messages("s3-backup-bucket-object-lock", backups(), { minRetentionDays: 90 }))[0],
            /locked 30 days; at least 90/,
        );
    });
    it("is not applicable where Object Lock is not required (outside production)", async () => {
        assert.deepEqual(await messages("s3-backup-bucket-object-lock", secureBucket("backups"), { required: false }), []);
    });
});
