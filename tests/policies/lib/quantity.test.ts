import * as assert from "node:assert/strict";
import { parseQuantity } from "../../../policies/lib/quantity";

describe("lib/quantity", () => {
    it("parses CPU and memory quantities", () => {
        assert.equal(parseQuantity("500m"), 0.5);
        assert.equal(parseQuantity("2"), 2);
        assert.equal(parseQuantity("1Gi"), 2 ** 30);
        assert.equal(parseQuantity("1G"), 1e9);
        assert.equal(parseQuantity("1e3"), 1000);
        assert.equal(parseQuantity(1.5), 1.5);
    });
    it("rejects what is not a quantity", () => {
        assert.equal(parseQuantity("1 GB"), undefined);
        assert.equal(parseQuantity(undefined), undefined);
    });
});
