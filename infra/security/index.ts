// Security operations as part of the platform (docs/security-operations.md): finding services that
// page, the evidence bucket, the pre-declared quarantine, and the API-key rotation rules.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeSettings } from "../edge/config";
import { platformLabels } from "../platform/labels";
import type { SecurityConfig } from "./config";
import { EvidenceBucket } from "./evidence";
import { SecurityFindings } from "./findings";
import { keyRotationRules } from "./key-age";
import { Quarantine } from "./quarantine";

export { securityConfigSchema, securityDefaults, type SecurityConfig } from "./config";

export interface SecurityArgs {
    config: SecurityConfig;
    environment: string;
    stack: string;
    /** Namespaces whose pods can be isolated. */
    namespaces: pulumi.Input<string>[];
    monitoringNamespace: pulumi.Input<string>;
    edgeClients: EdgeSettings["clients"];
    /** AWS stacks: where the finding services, trail and evidence bucket go. */
    aws?: {
        region: string;
        tags: Record<string, string>;
        runbookBaseUrl?: string;
        endpoints: { page?: pulumi.Output<string>; ticket?: pulumi.Output<string> };
    };
    protect: boolean;
}

export class Security extends pulumi.ComponentResource {
    public readonly evidenceBucket?: pulumi.Output<string>;
    public readonly forensicsNamespace: pulumi.Output<string>;

    constructor(name: string, args: SecurityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:security:Security", name, {}, opts);
        const child = { parent: this };
        const quarantine = new Quarantine(
            `${name}-quarantine`,
            {
                stack: args.stack,
                namespaces: args.namespaces,
                forensicsNamespace: args.config.forensicsNamespace,
                responderGroups: args.config.responderGroups,
            },
            child,
        );
        this.forensicsNamespace = quarantine.forensicsNamespace;

        // A laptop's keys are never rotated; everywhere else each key's due date is a recording rule.
        const rules = args.environment === "local" ? [] : keyRotationRules(args.edgeClients, args.config);
        if (rules.length > 0) {
            new k8s.apiextensions.CustomResource(
                `${name}-key-rotation`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: {
                        name: "pneumonia-security-keys",
                        namespace: args.monitoringNamespace,
                        labels: platformLabels("security-keys", "security", args.stack),
                    },
                    spec: { groups: [{ name: "pneumonia-security-keys", interval: "1h", rules }] },
                },
                child,
            );
        }

        if (args.aws && args.config.findings) {
            new SecurityFindings(
                `${name}-findings`,
                {
                    stack: args.stack,
                    region: args.aws.region,
                    tags: args.aws.tags,
                    trailRetentionDays: args.config.trailRetentionDays,
                    runbookBase: args.aws.runbookBaseUrl ? `${args.aws.runbookBaseUrl}/` : "",
                    endpoints: args.aws.endpoints,
                    protect: args.protect,
                },
                child,
            );
        }
        if (args.aws) {
            const evidence = new EvidenceBucket(
                `${name}-evidence`,
                { ...args.config.evidence, tags: args.aws.tags, protect: args.protect },
                child,
            );
            this.evidenceBucket = evidence.bucket;
        }
        this.registerOutputs({ evidenceBucket: this.evidenceBucket, forensicsNamespace: this.forensicsNamespace });
    }
}
