import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { taggableTypes } from "../../../policies/aws/cost-allocation-tags";
import { plan, stacks } from "../../helpers/plan";
import { messages } from "../check";
import { edit, kmsKey, rolePolicy, withCostTags } from "../factory";

/** Whether @pulumi/aws declares `tagsAll` on the type's class: the provider's own word on taggability. */
function providerSaysTaggable(type: string): boolean {
    const [, module, kind] = /^aws:([^/]+)\/([^:]+):/.exec(type)!;
    const declaration = readFileSync(join(require.resolve("@pulumi/aws/package.json"), "..", module, `${kind}.d.ts`), "utf8");
    return /readonly tagsAll: pulumi\.Output/.test(declaration);
}

describe("aws/cost-allocation-tags", () => {
    it("passes a resource with project, environment, stack and component", async () => {
        assert.deepEqual(await messages("cost-allocation-tags", [withCostTags(kmsKey("database-key"))]), []);
    });

    it("flags a taggable resource without tags, or with a tag missing or empty", async () => {
        assert.deepEqual(await messages("cost-allocation-tags", [kmsKey("k")]), [
            "Key k lacks cost allocation tags: project, environment, stack, component",
        ]);
        const noComponent = edit(withCostTags(kmsKey("k")), (p) => delete p.tags.component);
        assert.deepEqual(await messages("cost-allocation-tags", [noComponent]), ["Key k lacks cost allocation tags: component"]);
        const emptyStack = edit(withCostTags(kmsKey("k")), (p) => (p.tags.stack = ""));
        assert.deepEqual(await messages("cost-allocation-tags", [emptyStack]), ["Key k lacks cost allocation tags: stack"]);
    });

    it("does not apply to resources AWS cannot tag (an inline role policy)", async () => {
        assert.deepEqual(await messages("cost-allocation-tags", [rolePolicy("backup", [])]), []);
    });

    it("knows every taggable AWS type the stacks declare, by @pulumi/aws's own declarations", async () => {
        for (const stack of stacks) {
            const types = new Set((await plan(stack)).resources.map((r) => r.type).filter((t) => t.startsWith("aws:")));
            const taggable = [...types].filter(providerSaysTaggable).sort();
            assert.deepEqual(
                taggable.filter((t) => !taggableTypes.includes(t)),
                [],
                stack,
            );
            assert.deepEqual(
                [...types].filter((t) => taggableTypes.includes(t) && !providerSaysTaggable(t)),
                [],
                stack,
            );
        }
        assert.ok(providerSaysTaggable("aws:s3/bucket:Bucket"));
        assert.equal(providerSaysTaggable("aws:s3/bucketPolicy:BucketPolicy"), false);
    });
});
