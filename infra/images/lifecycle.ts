// The lifecycle policy of every platform repository, as data (tested against ECR's documented
// evaluation in tests/infra/images/lifecycle.test.ts).
//
// ECR has no "keep" action: a rule that selects the kept tags with a count no repository reaches
// claims those images first, and "an image that matches the tagging requirements of a rule cannot
// be expired by a rule with a lower priority" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
// So a digest `promote` tagged `promoted-…` (or CI tagged `released-…`) outlives every later rule.
import type { ImagesConfig } from "./config";

export interface LifecycleRule {
    rulePriority: number;
    description: string;
    selection: {
        tagStatus: "tagged" | "untagged" | "any";
        tagPrefixList?: string[];
        tagPatternList?: string[];
        countType: "imageCountMoreThan" | "sinceImagePushed";
        countUnit?: "days";
        countNumber: number;
    };
    action: { type: "expire" };
}

/** More kept (promoted or released) images than a repository will ever hold: the claiming rule never expires one. */
export const keptImageCeiling = 10000;

export function lifecycleRules(images: Pick<ImagesConfig, "keepTagPrefixes" | "untaggedExpireDays" | "keepImages">): LifecycleRule[] {
    // One rule per prefix: a tagPrefixList of several prefixes selects only images carrying all of them.
    const keep = images.keepTagPrefixes.map((prefix, i): LifecycleRule => ({
        rulePriority: i + 1,
        description: `Keep every image tagged ${prefix}*: a stack runs or ran it`,
        selection: { tagStatus: "tagged", tagPrefixList: [prefix], countType: "imageCountMoreThan", countNumber: keptImageCeiling },
        action: { type: "expire" },
    }));
    return [
        ...keep,
        {
            rulePriority: 100,
            description: `Expire untagged images after ${images.untaggedExpireDays} days`,
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: images.untaggedExpireDays },
            action: { type: "expire" },
        },
        {
            // tagStatus any must come last (highest rulePriority), per the lifecycle policy properties.
            rulePriority: 200,
            description: `Keep the newest ${images.keepImages} other images: enough to roll back far`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: images.keepImages },
            action: { type: "expire" },
        },
    ];
}
