// MLflow's config section: the upstream image and its ECR mirror, replicas, sizing.
// infra/config.ts composes it under `mlflow`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { imageReference, imageTag, int, resources, resourcesSchema } from "../platform/schema";

export const mlflowSchema = z
    .object({
        /** Upstream image; AWS stacks mirror it into ECR (`build`) and run the pushed digest. */
        image: imageReference,
        /** Build images/mlflow/Dockerfile from `image` and push it to ECR under this tag; null turns the default off. */
        build: z.object({ tag: imageTag }).strict().nullish(),
        replicas: int(1),
        resources: resourcesSchema,
    })
    .strict();
export type MlflowConfig = z.infer<typeof mlflowSchema>;

/** Per-environment defaults; the stack file only states what differs. */
export function mlflowDefaults(env: Environment): Partial<MlflowConfig> {
    const production = env === "production";
    const local = env === "local";
    return {
        // The official "-full" variant: MLflow with the Postgres drivers, boto3 and the Prometheus exporter.
        image: "ghcr.io/mlflow/mlflow:v3.11.1-full",
        // Mirrored into ECR where there is one: run by digest, scanned on push, no pull from ghcr.io.
        ...(local ? {} : { build: { tag: "v3.11.1-full" } }),
        replicas: production ? 2 : 1,
        resources: resources("250m", "512Mi", "1", "1Gi"),
    };
}
