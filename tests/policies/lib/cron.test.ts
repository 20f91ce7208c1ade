import * as assert from "node:assert/strict";
import { longestGapHours } from "../../../policies/lib/cron";

describe("lib/cron", () => {
    it("reads the longest gap between runs", () => {
        assert.equal(longestGapHours("15 2 * * *"), 24);
        assert.equal(longestGapHours("0 */6 * * *"), 6);
        assert.equal(longestGapHours("0 1,13 * * *"), 12);
        assert.equal(longestGapHours("0 1,3 * * *"), 22);
        assert.equal(longestGapHours("*/5 * * * *"), 1);
        assert.equal(longestGapHours("@daily"), 24);
        assert.equal(longestGapHours("TZ=Europe/Paris 0 2 * * *"), 24);
    });
    it("counts day-restricted schedules as more than a day apart", () => {
        assert.equal(longestGapHours("0 2 * * 1-5"), 168);
        assert.equal(longestGapHours("@weekly"), 168);
    });
    it("returns undefined for schedules it cannot read", () => {
        assert.equal(longestGapHours("every day"), undefined);
        assert.equal(longestGapHours("0 25 * * *"), undefined);
    });
});
