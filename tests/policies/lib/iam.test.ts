import * as assert from "node:assert/strict";
import { actionsOverlap, statementsOf, wildcardMatches } from "../../../policies/lib/iam";

describe("lib/iam", () => {
    it("matches IAM wildcards case-insensitively", () => {
        assert.ok(wildcardMatches("s3:Get*", "s3:getobject"));
        assert.ok(wildcardMatches("s3:?etObject", "s3:GetObject"));
        assert.ok(!wildcardMatches("s3:Get*", "s3:PutObject"));
    });
    it("tells when two action patterns can name the same action", () => {
        assert.ok(actionsOverlap("s3:Get*", "s3:GetObject*"));
        assert.ok(actionsOverlap("s3:GetObject", "s3:GetObject*"));
        assert.ok(actionsOverlap("*", "kms:Decrypt"));
        assert.ok(!actionsOverlap("s3:ListAllMyBuckets", "s3:GetObject*"));
    });
    it("reads one statement or many, from JSON or an object", () => {
        assert.equal(statementsOf('{"Statement": {"Effect": "Allow"}}').length, 1);
        assert.equal(statementsOf({ Statement: [{ Effect: "Allow" }, { Effect: "Deny" }] }).length, 2);
        assert.throws(() => statementsOf("{not json"));
    });
});
