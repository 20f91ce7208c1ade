import * as assert from "node:assert/strict";
import { messages } from "../check";
import { resource } from "../factory";
import { artifacts, editType } from "./buckets";

describe("aws/s3-bucket-public-access-block", () => {
    it("passes all four blocks", async () => {
        assert.deepEqual(await messages("s3-bucket-public-access-block", artifacts()), []);
    });
    it("names the blocks left off and public ACLs", async () => {
        const open = editType(
            artifacts(),
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            (p) => (p.restrictPublicBuckets = false),
        );
        assert.deepEqual(await messages("s3-bucket-public-access-block", open), ["bucket artifacts does not set restrictPublicBuckets"]);
        const publicBucket = resource("aws:s3/bucket:Bucket", "public", { bucket: "public", acl: "public-read" });
        assert.deepEqual(await messages("s3-bucket-public-access-block", [publicBucket]), [
            "bucket public does not set blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets",
            "bucket public grants the public ACL public-read",
        ]);
    });
});
