// The policy pack config a drill stack's `pulumi up` runs with: the source stack's own
// (policies/config/<source>.json, what promote's up uses), less what a drill stack does not have
// by design, each with its reason. The drill shares the source's cluster-wide monitoring and image
// admission and has no backups of its own (it lives for hours); its stores must be destroyable.
// Every other policy holds as in the source.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configDir } from "../policy/config";

/** Stack policies whose subject the drill shares with its source, or does not need for a few hours. */
export const drillDisabled: Record<string, string> = {
    "stack-monitoring":
        "the drill stack runs no kube-prometheus-stack of its own: the source's monitors the cluster (infra/backups/drill.ts)",
    "stack-service-and-monitor": "no Prometheus of the drill's own scrapes its Services; the drill checks health itself",
    "stack-image-admission":
        "the policy-controller and its ClusterImagePolicy are cluster-wide and the source's; the drill runs the images the source runs",
    "stack-data-store-backups": "a drill stack lives for the drill and is destroyed: it backs up nothing",
    "stack-security-findings":
        "GuardDuty, Security Hub and the trail are per account and region: the source's already watch the drill (infra/security)",
    "stack-evidence-bucket": "incident evidence goes to the source's evidence bucket; a drill stack keeps nothing past its teardown",
};

/** Resources a drill creates that its source's config would refuse, by policy. */
export const drillExemptions: Record<string, { resource: string; reason: string }[]> = {
    "rds-deletion-protection": [
        { resource: "database", reason: "the drill's restored RDS instance must be destroyed with the drill stack" },
    ],
    "s3-backup-bucket-object-lock": [
        { resource: "backups", reason: "the drill's own backup bucket holds nothing and must be destroyed with the drill stack" },
    ],
    "kubernetes-job-lifecycle": [
        {
            resource: "backup-restore",
            reason: "the one-shot restore Job is part of the drill's state until the stack is destroyed; a TTL would delete it and a later up would restore again",
        },
    ],
};

/** The source's pack config document with the drill's differences applied. */
export function drillPolicyConfig(source: string, dir: string = configDir): Record<string, unknown> {
    const document = JSON.parse(readFileSync(join(dir, `${source}.json`), "utf8")) as Record<string, unknown>;
    const settings = (name: string): Record<string, unknown> => {
        const value = document[name];
        return typeof value === "string" ? { enforcementLevel: value } : { ...((value as Record<string, unknown> | undefined) ?? {}) };
    };
    for (const name of Object.keys(drillDisabled)) document[name] = { ...settings(name), enforcementLevel: "disabled" };
    for (const [name, exemptions] of Object.entries(drillExemptions)) {
        const current = settings(name);
        document[name] = { ...current, exemptions: [...((current.exemptions as unknown[] | undefined) ?? []), ...exemptions] };
    }
    return document;
}
