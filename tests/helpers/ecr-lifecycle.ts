// ECR's lifecycle policy evaluation, from its documentation, to test our rules against image lists:
// - properties: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
//   (rulePriority unique, applied lowest first; a tagStatus "any" rule has the highest rulePriority;
//   "tagged" needs tagPrefixList or tagPatternList, "untagged" omits both; several prefixes or patterns
//   select only images carrying all of them; at most four * per pattern; sinceImagePushed counts days)
// - evaluation: https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
//   ("An image that matches the tagging requirements of a rule cannot be expired by a rule with a lower
//   priority"; "Rules can never mark images that are marked by higher priority rules, but can still
//   identify them as if they haven't been expired"; only one rule may select untagged images;
//   expiration is ordered by push time, older images first).
import type { LifecycleRule } from "../../infra/images/lifecycle";

export interface ImageDetail {
    digest: string;
    tags: string[];
    pushedAt: Date;
}

/** Throws, as PutLifecyclePolicy would (InvalidParameterException), on a policy ECR refuses. */
export function validateLifecyclePolicy(rules: LifecycleRule[]): void {
    const priorities = rules.map((r) => r.rulePriority);
    if (new Set(priorities).size !== priorities.length) throw new Error("InvalidParameterException: rulePriority values must be unique");
    const highest = Math.max(...priorities);
    for (const r of rules) {
        const { tagStatus, tagPrefixList, tagPatternList, countType, countUnit, countNumber } = r.selection;
        if (tagStatus === "any" && r.rulePriority !== highest)
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: tagStatus any must have the highest rulePriority`);
        if (tagStatus === "tagged" && !tagPrefixList?.length && !tagPatternList?.length)
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: tagged needs tagPrefixList or tagPatternList`);
        if (tagStatus !== "tagged" && (tagPrefixList || tagPatternList))
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: only tagged rules list tags`);
        if (tagPatternList?.some((p) => (p.match(/\*/g) ?? []).length > 4))
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: at most four wildcards per pattern`);
        if (countType === "sinceImagePushed" && countUnit !== "days")
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: sinceImagePushed needs countUnit days`);
        if (countType === "imageCountMoreThan" && countUnit !== undefined)
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: imageCountMoreThan takes no countUnit`);
        if (!Number.isInteger(countNumber) || countNumber < 1)
            throw new Error(`InvalidParameterException: rule ${r.rulePriority}: countNumber must be a positive integer`);
    }
    if (rules.filter((r) => r.selection.tagStatus === "untagged").length > 1)
        throw new Error("InvalidParameterException: only one rule may select untagged images");
}

function patternMatches(pattern: string, tag: string): boolean {
    return new RegExp(
        `^${pattern
            .split("*")
            .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    ).test(tag);
}

/** Whether an image meets a rule's tagging requirements. */
function selects(rule: LifecycleRule, image: ImageDetail): boolean {
    const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
    if (tagStatus === "any") return true;
    if (tagStatus === "untagged") return image.tags.length === 0;
    if (image.tags.length === 0) return false;
    if (tagPrefixList) return tagPrefixList.every((prefix) => image.tags.some((t) => t.startsWith(prefix)));
    return (tagPatternList ?? []).every((pattern) => image.tags.some((t) => patternMatches(pattern, t)));
}

/** The digests the policy expires at `now`. */
export function expiredImages(rules: LifecycleRule[], images: ImageDetail[], now: Date): string[] {
    validateLifecyclePolicy(rules);
    const claimed = new Set<string>();
    const expired = new Set<string>();
    for (const rule of [...rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
        // Newest first: a count rule keeps the newest countNumber and marks the older rest.
        const selected = images.filter((i) => selects(rule, i)).sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime());
        const { countType, countNumber } = rule.selection;
        const marked =
            countType === "imageCountMoreThan"
                ? selected.slice(countNumber)
                : selected.filter((i) => now.getTime() - i.pushedAt.getTime() > countNumber * 86_400_000);
        for (const image of marked) if (!claimed.has(image.digest)) expired.add(image.digest);
        for (const image of selected) claimed.add(image.digest);
    }
    return images.filter((i) => expired.has(i.digest)).map((i) => i.digest);
}
