import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, evidenceBucket, secureBucket } from "../factory";

const policy = "stack-evidence-bucket";
const name = "bucket security-evidence";
const changed = (type: string, change: (p: Record<string, any>) => void) =>
    evidenceBucket().map((r) => (r.type === type ? edit(r, change) : r));
const withPolicy = (change: (statements: any[]) => any[]) =>
    changed("aws:s3/bucketPolicy:BucketPolicy", (p) => {
        const doc = JSON.parse(p.policy);
        doc.Statement = change(doc.Statement);
        p.policy = JSON.stringify(doc);
    });

describe("stack/evidence-bucket", () => {
    it("passes the evidence bucket: COMPLIANCE lock, deletion denied to all, conditional writes only", async () => {
        assert.deepEqual(await messages(policy, evidenceBucket()), []);
    });
    it("flags a stack without an evidence bucket", async () => {
        assert.deepEqual(await messages(policy, secureBucket("artifacts")), [
            "no evidence bucket (security-evidence): incident evidence has nowhere safe to go",
        ]);
    });
    it("flags GOVERNANCE mode (a privileged user may bypass it), a short retention, and no lock at all", async () => {
        const lock = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";
        assert.deepEqual(
            await messages(
                policy,
                changed(lock, (p) => (p.rule.defaultRetention.mode = "GOVERNANCE")),
            ),
            [`${name} has no COMPLIANCE default retention: evidence could be deleted by a privileged user`],
        );
        assert.deepEqual(
            await messages(
                policy,
                changed(lock, (p) => (p.rule.defaultRetention.days = 3)),
            ),
            [`${name} locks evidence 3 days; at least 7 required`],
        );
        const unlocked = changed("aws:s3/bucket:Bucket", (p) => (p.objectLockEnabled = false)).filter((r) => r.type !== lock);
        assert.deepEqual(await messages(policy, unlocked), [
            `${name} holds evidence but Object Lock is not enabled`,
            `${name} has no COMPLIANCE default retention: evidence could be deleted by a privileged user`,
        ]);
    });
    it("flags a policy that lets someone delete (no deny, or a deny limited by a condition) or overwrite", async () => {
        const noDeny = withPolicy((s) => s.filter((x) => x.Sid !== "DenyEvidenceDeletion"));
        assert.deepEqual(await messages(policy, noDeny), [
            `${name}'s policy does not deny s3:DeleteObject to every principal`,
            `${name}'s policy does not deny s3:DeleteObjectVersion to every principal`,
        ]);
        const conditional = withPolicy((s) =>
            s.map((x) =>
                x.Sid === "DenyEvidenceDeletion" ? { ...x, Condition: { StringEquals: { "aws:PrincipalAccount": "999999999999" } } } : x,
            ),
        );
        assert.equal((await messages(policy, conditional)).length, 2);
        const overwrite = withPolicy((s) => s.filter((x) => x.Sid !== "DenyOverwrite"));
        assert.deepEqual(await messages(policy, overwrite), [
            `${name}'s policy admits a PutObject without If-None-Match: an existing key could get a new version`,
        ]);
    });
    it("is off where not required (a laptop stack)", async () => {
        assert.deepEqual(await messages(policy, [], { required: false }), []);
    });
});
