import * as assert from "node:assert/strict";
import { messages } from "../check";
import { artifacts, editType } from "./buckets";

describe("aws/s3-bucket-owner-enforced", () => {
    it("passes BucketOwnerEnforced", async () => {
        assert.deepEqual(await messages("s3-bucket-owner-enforced", artifacts()), []);
    });
    it("flags ObjectWriter ownership", async () => {
        const writer = editType(
            artifacts(),
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            (p) => (p.rule.objectOwnership = "ObjectWriter"),
        );
        assert.deepEqual(await messages("s3-bucket-owner-enforced", writer), [
            "bucket artifacts does not enforce BucketOwnerEnforced ownership",
        ]);
    });
});
