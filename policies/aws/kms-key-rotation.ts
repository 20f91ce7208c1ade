import * as aws from "@pulumi/aws";
import { resourcePolicy } from "../lib/definitions";
import { securityHub } from "../lib/sources";

export const kmsKeyRotation = resourcePolicy<{ maxRotationDays: number }>(
    {
        name: "kms-key-rotation",
        description: "Symmetric KMS keys rotate automatically, at least yearly.",
        severity: "medium",
        framework: securityHub("KMS.4", "AWS KMS key rotation should be enabled"),
        remediationSteps: "Set enableKeyRotation: true on the aws.kms.Key (rotationPeriodInDays at most 365).",
    },
    { maxRotationDays: { type: "integer", minimum: 90, maximum: 2560, default: 365, description: "Longest rotation period accepted." } },
    (args, report, config) => {
        const key = args.asType(aws.kms.Key);
        if (!key) return args.notApplicable("Policy only applies to resources of type 'aws:kms/key:Key'");
        // Only symmetric encryption keys can rotate automatically.
        const symmetric =
            (key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT" &&
            (key.keyUsage ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT";
        if (!symmetric) return args.notApplicable("Asymmetric and HMAC keys cannot rotate automatically");
        if (key.enableKeyRotation !== true) report(`KMS key ${args.name} does not enable key rotation`);
        else if ((key.rotationPeriodInDays ?? 365) > config.maxRotationDays) {
            report(`KMS key ${args.name} rotates every ${key.rotationPeriodInDays} days; at most ${config.maxRotationDays}`);
        }
    },
);
