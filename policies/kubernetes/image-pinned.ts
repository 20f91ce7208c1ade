import { containersOf } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";

/** Splits an image reference into repository, tag and digest (a port in the registry host is not a tag). */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
    const [named, digest] = image.split("@", 2);
    const lastSlash = named.lastIndexOf("/");
    const colon = named.indexOf(":", lastSlash + 1);
    return colon === -1 ? { repository: named, digest } : { repository: named.slice(0, colon), tag: named.slice(colon + 1), digest };
}

export const kubernetesImagePinned = workloadPolicy<{ requireDigest: boolean; forbiddenTags: string[] }>(
    {
        name: "kubernetes-image-pinned",
        description: "Images are pinned: a tag that is not `latest` (never untagged), and a sha256 digest where required (production).",
        severity: "high",
        framework: kubeLinter("latest-tag", "image-not-pinned-by-digest"),
        remediationSteps: "Reference images as repo:version, and in production as repo@sha256:<digest> (promote by digest).",
    },
    {
        requireDigest: {
            type: "boolean",
            default: true,
            description: "Require repo@sha256:<64 hex> (production). Other stacks accept an immutable tag.",
        },
        forbiddenTags: { type: "array", items: { type: "string" }, default: ["latest"], description: "Moving tags never accepted." },
    },
    (workload, report, config) => {
        for (const { container, role } of containersOf(workload.pod)) {
            const label = containerLabel(container, role);
            if (!container.image) {
                report(`${label} names no image`);
                continue;
            }
            const { tag, digest } = parseImage(container.image);
            const pinnedDigest = digest !== undefined && /^sha256:[a-f0-9]{64}$/.test(digest);
            if (tag !== undefined && config.forbiddenTags.includes(tag))
                report(`${label} uses the moving tag "${tag}" (${container.image})`);
            else if (tag === undefined && !pinnedDigest)
                report(`${label} image ${container.image} has neither tag nor digest (pulls latest)`);
            if (config.requireDigest && !pinnedDigest) report(`${label} image ${container.image} is not pinned by sha256 digest`);
        }
    },
);
