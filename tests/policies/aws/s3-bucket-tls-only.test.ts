import * as assert from "node:assert/strict";
import { messages } from "../check";
import { artifacts, without, editType } from "./buckets";

describe("aws/s3-bucket-tls-only", () => {
    it("passes a policy denying aws:SecureTransport false", async () => {
        assert.deepEqual(await messages("s3-bucket-tls-only", artifacts()), []);
    });
    it("flags a bucket whose policy does not deny plain HTTP", async () => {
        const allowAll = editType(artifacts(), "aws:s3/bucketPolicy:BucketPolicy", (p) => {
            p.policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
            });
        });
        assert.deepEqual(await messages("s3-bucket-tls-only", allowAll), ["bucket artifacts has no policy denying requests without TLS"]);
        assert.equal((await messages("s3-bucket-tls-only", without(artifacts(), "aws:s3/bucketPolicy:BucketPolicy"))).length, 1);
    });
});
