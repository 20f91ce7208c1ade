// The platform's lifecycle rules against image lists, evaluated as ECR documents it (tests/helpers/ecr-lifecycle.ts).
import * as assert from "node:assert/strict";
import { imagesDefaults } from "../../../infra/images/config";
import { lifecycleRules, type LifecycleRule } from "../../../infra/images/lifecycle";
import { expiredImages, validateLifecyclePolicy, type ImageDetail } from "../../helpers/ecr-lifecycle";

const now = new Date("2026-11-30T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const settings = imagesDefaults("staging");
const rules = lifecycleRules(settings);

/** `count` builds tagged as CI tags them, one a day, newest first from `startDay` days ago. */
function builds(count: number, startDay: number, first = 1000): ImageDetail[] {
    return Array.from({ length: count }, (_, i) => ({
        digest: digest(first + i),
        tags: [`1.${first + i}.0`],
        pushedAt: daysAgo(startDay + i),
    }));
}

describe("images: ECR lifecycle policy", () => {
    it("is a policy ECR accepts (unique priorities, tagStatus any last, one untagged rule)", () => {
        validateLifecyclePolicy(rules);
        assert.equal(rules.at(-1)!.selection.tagStatus, "any");
    });

    it("keeps a promoted digest far older than every count and age limit, and expires an old untagged one", () => {
        const promoted = { digest: digest(1), tags: ["1.0.0", "promoted-production-20250101T000000Z"], pushedAt: daysAgo(700) };
        const released = { digest: digest(2), tags: ["released-1.1.0"], pushedAt: daysAgo(650) };
        // cosign's signature of the promoted digest, a tagged artifact of its own in the repository.
        const signature = { digest: digest(5), tags: [`${promoted.digest.replace(":", "-")}.sig`], pushedAt: daysAgo(700) };
        const oldUntagged = { digest: digest(3), tags: [], pushedAt: daysAgo(settings.untaggedExpireDays + 1) };
        const freshUntagged = { digest: digest(4), tags: [], pushedAt: daysAgo(settings.untaggedExpireDays - 1) };
        const expired = expiredImages(
            rules,
            [promoted, released, signature, oldUntagged, freshUntagged, ...builds(settings.keepImages + 20, 1)],
            now,
        );
        assert.ok(!expired.includes(promoted.digest), "the promoted digest is kept");
        assert.ok(!expired.includes(released.digest), "the released digest is kept");
        assert.ok(!expired.includes(signature.digest), "its signature is kept: admission needs it");
        assert.ok(expired.includes(oldUntagged.digest), "the old untagged image expires");
        assert.ok(!expired.includes(freshUntagged.digest), "a fresh untagged image is kept");
    });

    it("keeps the newest keepImages other images and expires the older ones, oldest first", () => {
        const list = builds(settings.keepImages + 3, 1);
        const expired = expiredImages(rules, list, now);
        // The kept (promoted) images count toward the newest keepImages, as ECR documents; here there are none.
        assert.deepEqual(
            expired,
            list.slice(settings.keepImages).map((i) => i.digest),
        );
    });

    it("without the keep rules, the same promoted digest would expire: the keep rules are what protects it", () => {
        const promoted = { digest: digest(1), tags: ["promoted-production-20250101T000000Z"], pushedAt: daysAgo(700) };
        const withoutKeep: LifecycleRule[] = rules.filter((r) => r.selection.tagStatus !== "tagged");
        assert.ok(expiredImages(withoutKeep, [promoted, ...builds(settings.keepImages, 1)], now).includes(promoted.digest));
    });

    it("one rule per kept prefix: a single rule listing both would keep only images carrying both", () => {
        const merged: LifecycleRule[] = [
            { ...rules[0]!, selection: { ...rules[0]!.selection, tagPrefixList: settings.keepTagPrefixes } },
            ...rules.filter((r) => r.selection.tagStatus !== "tagged"),
        ];
        const promoted = { digest: digest(1), tags: ["promoted-production-20250101T000000Z"], pushedAt: daysAgo(700) };
        assert.ok(expiredImages(merged, [promoted, ...builds(settings.keepImages, 1)], now).includes(promoted.digest));
        assert.ok(!expiredImages(rules, [promoted, ...builds(settings.keepImages, 1)], now).includes(promoted.digest));
    });

    it("the evaluator refuses what ECR refuses: an any rule before another rule", () => {
        const bad = rules.map((r) => (r.selection.tagStatus === "any" ? { ...r, rulePriority: 0 } : r));
        assert.throws(() => validateLifecyclePolicy(bad), /tagStatus any must have the highest rulePriority/);
    });
});
