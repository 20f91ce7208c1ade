import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, kmsKey } from "../factory";

describe("aws/kms-key-rotation", () => {
    it("passes a key with rotation", async () => {
        assert.deepEqual(await messages("kms-key-rotation", [kmsKey("k")]), []);
    });
    it("flags a symmetric key without rotation, or rotating less than yearly", async () => {
        assert.deepEqual(await messages("kms-key-rotation", [edit(kmsKey("k"), (p) => delete p.enableKeyRotation)]), [
            "KMS key k does not enable key rotation",
        ]);
        assert.match((await messages("kms-key-rotation", [edit(kmsKey("k"), (p) => (p.rotationPeriodInDays = 730))]))[0], /every 730 days/);
    });
    it("does not apply to asymmetric keys, which cannot rotate", async () => {
        const signing = edit(kmsKey("k"), (p) => {
            delete p.enableKeyRotation;
            p.customerMasterKeySpec = "RSA_2048";
            p.keyUsage = "SIGN_VERIFY";
        });
        assert.deepEqual(await messages("kms-key-rotation", [signing]), []);
    });
});
