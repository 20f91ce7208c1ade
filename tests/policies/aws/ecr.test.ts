import * as assert from "node:assert/strict";
import { messages } from "../check";
import { ecrRepository, edit } from "../factory";

describe("aws/ecr", () => {
    it("passes an immutable repository scanning on push", async () => {
        assert.deepEqual(await messages("ecr-immutable-tags", [ecrRepository()]), []);
        assert.deepEqual(await messages("ecr-scan-on-push", [ecrRepository()]), []);
    });
    it("ecr-immutable-tags flags mutable tags", async () => {
        assert.deepEqual(await messages("ecr-immutable-tags", [edit(ecrRepository(), (p) => delete p.imageTagMutability)]), [
            "ECR repository pneumonia-detector has MUTABLE (default) tags",
        ]);
    });
    it("ecr-scan-on-push flags a repository that does not scan", async () => {
        assert.deepEqual(
            await messages("ecr-scan-on-push", [edit(ecrRepository(), (p) => (p.imageScanningConfiguration.scanOnPush = false))]),
            ["ECR repository pneumonia-detector does not scan images on push"],
        );
    });
});
