// The detector's config section: its image (or build), replicas and autoscaling target, sizing.
// infra/config.ts composes it under `detector`.
import { z } from "zod";
import { scalingTriggers } from "../observability/objectives";
import { imageReference, imageTag, int, resources, resourcesSchema } from "../platform/schema";
import type { Environment } from "../platform/environment";

export const detectorSchema = z
    .object({
        image: imageReference,
        replicas: int(1),
        maxReplicas: int(1),
        /** The manual's scaling trigger: CPU > 70 %. */
        cpuTargetPercent: int(1, 100),
        resources: resourcesSchema,
        /** Build the image from this Dockerfile and push it to ECR instead of using `image` as given. */
        build: z
            .object({ context: z.string().min(1), dockerfile: z.string().min(1), tag: imageTag })
            .strict()
            .nullish(),
    })
    .strict();
export type DetectorConfig = z.infer<typeof detectorSchema>;

/** Per-environment defaults; the stack file only states what differs. */
export function detectorDefaults(env: Environment): Partial<DetectorConfig> {
    const production = env === "production";
    const local = env === "local";
    return {
        replicas: production ? 3 : local ? 1 : 2,
        maxReplicas: production ? 10 : local ? 2 : 4,
        cpuTargetPercent: scalingTriggers.cpu.percent,
        resources: local ? resources("250m", "512Mi", "1", "1Gi") : resources("1", "2Gi", "2", "4Gi"),
    };
}
