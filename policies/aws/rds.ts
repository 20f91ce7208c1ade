// The RDS rules, one policy per Security Hub control.
import * as aws from "@pulumi/aws";
import type { ResourceValidationArgs } from "@pulumi/policy";
import type * as pulumi from "@pulumi/pulumi";
import { resourcePolicy } from "../lib/definitions";
import { securityHub } from "../lib/sources";

function instanceOf(args: ResourceValidationArgs): pulumi.Unwrap<aws.rds.InstanceArgs> {
    const instance = args.asType(aws.rds.Instance);
    if (!instance) return args.notApplicable("Policy only applies to resources of type 'aws:rds/instance:Instance'");
    return instance;
}

const requiredSchema = (what: string) => ({
    required: { type: "boolean" as const, default: true, description: `Require ${what} (production).` },
});

export const rdsStorageEncrypted = resourcePolicy(
    {
        name: "rds-storage-encrypted",
        description: "RDS instances encrypt their storage at rest.",
        severity: "high",
        framework: securityHub("RDS.3", "RDS DB instances should have encryption at-rest enabled"),
        remediationSteps: "Set storageEncrypted: true and kmsKeyId to the database's key.",
    },
    {},
    (args, report) => {
        const instance = instanceOf(args);
        // A read replica inherits encryption from its source.
        if (instance.replicateSourceDb === undefined && instance.storageEncrypted !== true) {
            report(`RDS instance ${args.name} does not encrypt its storage (storageEncrypted is not true)`);
        }
    },
);

export const rdsBackupRetention = resourcePolicy<{ minRetentionDays: number }>(
    {
        name: "rds-backup-retention",
        description: "RDS instances keep automated backups at least `minRetentionDays` (7) days.",
        severity: "high",
        framework: securityHub("RDS.11", "RDS instances should have automatic backups enabled"),
        remediationSteps: "Set backupRetentionPeriod to 7 or more.",
    },
    {
        minRetentionDays: {
            type: "integer",
            minimum: 1,
            maximum: 35,
            default: 7,
            description: "Shortest backup retention accepted (Security Hub default 7).",
        },
    },
    (args, report, config) => {
        const instance = instanceOf(args);
        if (instance.replicateSourceDb !== undefined) return args.notApplicable("Read replicas take no automated backups of their own");
        const days = instance.backupRetentionPeriod;
        if (days === undefined || days < config.minRetentionDays) {
            report(
                `RDS instance ${args.name} keeps backups ${days === undefined ? "for the API default (1 day)" : `${days} day(s)`}; at least ${config.minRetentionDays} required`,
            );
        }
    },
);

export const rdsMultiAz = resourcePolicy<{ required: boolean }>(
    {
        name: "rds-multi-az",
        description: "RDS instances are Multi-AZ (production).",
        severity: "medium",
        framework: securityHub("RDS.5", "RDS DB instances should be configured with multiple Availability Zones"),
        remediationSteps: "Set multiAz: true.",
    },
    requiredSchema("Multi-AZ"),
    (args, report, config) => {
        const instance = instanceOf(args);
        if (!config.required) return args.notApplicable("Multi-AZ is not required in this stack");
        if (instance.multiAz !== true) report(`RDS instance ${args.name} is not Multi-AZ`);
    },
);

export const rdsDeletionProtection = resourcePolicy<{ required: boolean }>(
    {
        name: "rds-deletion-protection",
        description: "RDS instances have deletion protection (production).",
        severity: "medium",
        framework: securityHub("RDS.8", "RDS DB instances should have deletion protection enabled"),
        remediationSteps: "Set deletionProtection: true.",
    },
    requiredSchema("deletion protection"),
    (args, report, config) => {
        const instance = instanceOf(args);
        if (!config.required) return args.notApplicable("Deletion protection is not required in this stack");
        if (instance.deletionProtection !== true) report(`RDS instance ${args.name} has no deletion protection`);
    },
);

export const rdsNotPublic = resourcePolicy(
    {
        name: "rds-not-public",
        description: "RDS instances are never publicly accessible.",
        severity: "critical",
        framework: securityHub("RDS.2", "RDS DB Instances should prohibit public access"),
        remediationSteps: "Set publiclyAccessible: false (the default) and reach the database from the cluster only.",
    },
    {},
    (args, report) => {
        const instance = instanceOf(args);
        if (instance.publiclyAccessible === true) report(`RDS instance ${args.name} is publicly accessible`);
    },
);
