import * as assert from "node:assert/strict";
import { messages } from "../check";
import { clusterImagePolicy, edit, imageAdmissionRelease } from "../factory";

const release = imageAdmissionRelease;
const policy = clusterImagePolicy;

describe("stack/image-admission", () => {
    it("passes the policy-controller with an enforcing keyless policy (mode enforce, or unset: the CRD's default)", async () => {
        assert.deepEqual(await messages("stack-image-admission", [release(), policy("enforce")]), []);
        assert.deepEqual(await messages("stack-image-admission", [release(), policy()]), []);
    });
    it("flags a policy that only warns where enforcement is required, and accepts it where it is not (staging)", async () => {
        assert.deepEqual(await messages("stack-image-admission", [release(), policy("warn")]), [
            "ClusterImagePolicy image-admission-signed-images is in mode warn: unsigned images are admitted",
        ]);
        assert.deepEqual(await messages("stack-image-admission", [release(), policy("warn")], { requireEnforce: false }), []);
    });
    it("flags a stack without the controller, or without a policy naming the signer", async () => {
        assert.deepEqual(await messages("stack-image-admission", []), [
            "no Helm release of the policy-controller chart: nothing verifies image signatures at admission",
            "no ClusterImagePolicy requires a keyless signature by a named issuer and subject",
        ]);
        const anyone = edit(policy("enforce"), (p) => (p.spec.authorities[0].keyless.identities = []));
        assert.deepEqual(await messages("stack-image-admission", [release(), anyone]), [
            "no ClusterImagePolicy requires a keyless signature by a named issuer and subject",
        ]);
    });
    it("is off where not required (a laptop stack)", async () => {
        assert.deepEqual(await messages("stack-image-admission", [], { required: false }), []);
    });
});
