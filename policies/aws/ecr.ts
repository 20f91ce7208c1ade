// The ECR rules, one policy per Security Hub control.
import * as aws from "@pulumi/aws";
import { resourcePolicy } from "../lib/definitions";
import { securityHub } from "../lib/sources";

const notRepository = "Policy only applies to resources of type 'aws:ecr/repository:Repository'";

export const ecrImmutableTags = resourcePolicy(
    {
        name: "ecr-immutable-tags",
        description: "ECR repositories make tags immutable, so a released tag always names the same image.",
        severity: "medium",
        framework: securityHub("ECR.2", "ECR private repositories should have tag immutability configured"),
        remediationSteps: 'Set imageTagMutability: "IMMUTABLE".',
    },
    {},
    (args, report) => {
        const repository = args.asType(aws.ecr.Repository);
        if (!repository) return args.notApplicable(notRepository);
        if (repository.imageTagMutability !== "IMMUTABLE") {
            report(`ECR repository ${args.name} has ${repository.imageTagMutability ?? "MUTABLE (default)"} tags`);
        }
    },
);

export const ecrScanOnPush = resourcePolicy(
    {
        name: "ecr-scan-on-push",
        description: "ECR repositories scan every image on push (the manual's clean security scans before deployment).",
        severity: "medium",
        framework: securityHub("ECR.1", "ECR private repositories should have image scanning configured"),
        remediationSteps: "Set imageScanningConfiguration.scanOnPush: true.",
    },
    {},
    (args, report) => {
        const repository = args.asType(aws.ecr.Repository);
        if (!repository) return args.notApplicable(notRepository);
        if (repository.imageScanningConfiguration?.scanOnPush !== true) report(`ECR repository ${args.name} does not scan images on push`);
    },
);
