import { containersOf } from "../lib/kubernetes";
import { manual } from "../lib/sources";
import { containerLabel, workloadPolicy } from "../lib/workload-policy";
import { parseImage } from "./image-pinned";

/**
 * The image name of the detector stand-in (images/detector-standin). Matched on the last path
 * segment, so a copy pushed to any registry (ECR, ghcr.io) is refused as well.
 */
export const standInImageName = "detector-standin";

export function isStandInImage(image: string): boolean {
    return parseImage(image).repository.split("/").pop() === standInImageName;
}

export const kubernetesNoDetectorStandin = workloadPolicy<{ allowStandIn: boolean }>(
    {
        name: "kubernetes-no-detector-standin",
        description:
            "The detector stand-in (a pseudo-prediction for laptops and tests, docs/detector-contract.md) never runs where patients' X-rays are classified: only the local stack may run it.",
        severity: "critical",
        framework: manual("Deployment Procedures: deploy the validated model image to staging, then production"),
        remediationSteps: "Set detector.image to the real detector, by digest (repo@sha256:…), as staging and production require.",
    },
    {
        allowStandIn: {
            type: "boolean",
            default: false,
            description: "Allow the stand-in image (the local stack only).",
        },
    },
    (workload, report, config) => {
        if (config.allowStandIn) return;
        for (const { container, role } of containersOf(workload.pod)) {
            if (container.image && isStandInImage(container.image)) {
                report(
                    `${containerLabel(container, role)} runs the detector stand-in ${container.image}: its predictions are not a model's`,
                );
            }
        }
    },
);
