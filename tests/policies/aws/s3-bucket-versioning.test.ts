import * as assert from "node:assert/strict";
import { messages } from "../check";
import { artifacts, without, editType } from "./buckets";

describe("aws/s3-bucket-versioning", () => {
    it("passes a versioned bucket", async () => {
        assert.deepEqual(await messages("s3-bucket-versioning", artifacts()), []);
    });
    it("flags suspended or missing versioning", async () => {
        const suspended = editType(
            artifacts(),
            "aws:s3/bucketVersioning:BucketVersioning",
            (p) => (p.versioningConfiguration.status = "Suspended"),
        );
        assert.deepEqual(await messages("s3-bucket-versioning", suspended), ["bucket artifacts does not have versioning enabled"]);
        assert.equal((await messages("s3-bucket-versioning", without(artifacts(), "aws:s3/bucketVersioning:BucketVersioning"))).length, 1);
    });
});
