import { resourcePolicy } from "../lib/definitions";
import { helmTypes } from "../lib/kubernetes";
import { kubeLinter } from "../lib/sources";

/** Every `image` object in a release's values: where charts take an image's repository, tag and digest. */
function imageSettings(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
    if (Array.isArray(value)) value.forEach((v) => imageSettings(v, found));
    else if (value !== null && typeof value === "object") {
        for (const [key, v] of Object.entries(value)) {
            if (key === "image" && v !== null && typeof v === "object" && !Array.isArray(v)) found.push(v as Record<string, unknown>);
            else imageSettings(v, found);
        }
    }
    return found;
}

const digest = /^(sha256:)?[a-f0-9]{64}$/;
const pinned = (image: Record<string, unknown>) => [image.sha, image.digest].some((d) => typeof d === "string" && digest.test(d));

export const kubernetesHelmImagesByDigest = resourcePolicy<{ requireDigest: boolean }>(
    {
        name: "kubernetes-helm-images-by-digest",
        description:
            "A Helm release runs its chart's images by digest where digests are required (production), like the platform's own images, or carries a written exemption.",
        severity: "medium",
        framework: kubeLinter("image-not-pinned-by-digest"),
        remediationSteps:
            "Set each chart image's digest in the release values (image.sha or image.digest, as the chart names it), or exempt the release in policies/config/<stack>.json with the reason.",
    },
    {
        requireDigest: { type: "boolean", default: true, description: "Require chart images by sha256 digest (production)." },
    },
    (args, report, config) => {
        if (!helmTypes.includes(args.type)) return args.notApplicable("Policy only applies to Helm releases and charts");
        if (!config.requireDigest) return;
        const images = imageSettings(args.props.values ?? {});
        const loose = images.filter((image) => !pinned(image)).length;
        if (images.length === 0 || loose > 0) {
            const what =
                images.length === 0
                    ? "sets no image digest in its values"
                    : `leaves ${loose} of ${images.length} image(s) without a digest`;
            report(
                `Helm ${args.type.split(":")[2]} ${args.name} (chart ${args.props.chart} ${args.props.version ?? ""}) ${what}: its images run by the chart's tags`,
            );
        }
    },
);
