// The DR drill profile: `drill: { source: <stack> }` in a stack's config makes it a drill of that
// stack. It keeps the source's environment, so it is sized and shaped like it where the drill
// measures something (Multi-AZ, replicas, images by digest, the production rules), and overlays
// only what makes it destroyable and able to stand beside its source in the same account and
// cluster. A separate `environment: dr` would need its own copy of every per-environment default
// and rule and would drift from the stack it is meant to rehearse.
import { z } from "zod";

export const drillSchema = z
    .object({
        /** The stack whose backups the drill restores (its prefix in the source's backup bucket). */
        source: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a stack name such as production"),
    })
    .strict();
export type DrillConfig = z.infer<typeof drillSchema>;

/**
 * Defaults a drill stack gets over its environment's: no deletion protection, no Object Lock and
 * no second-region replica (both would outlive `pulumi destroy`).
 */
export function drillDefaults<T extends { database?: object; backups?: { replicaRegion?: unknown } }>(defaults: T): T {
    const { replicaRegion: _replica, ...backups } = defaults.backups ?? {};
    return {
        ...defaults,
        database: { ...defaults.database, deletionProtection: false },
        backups: { ...backups, objectLockDays: 0 },
    };
}

/** The sections of the stack config (infra/config.ts) a drill stack is checked on. */
interface DrillChecked {
    drill?: DrillConfig;
    database: { deletionProtection: boolean };
    backups: { objectLockDays: number; replicaRegion?: string; build?: unknown; restore?: unknown };
    detector: { build?: unknown };
    mlflow: { build?: unknown };
}

/** What a drill stack may not have, as [key, expectation] pairs for the config's one-line errors. */
export function drillIssues(c: DrillChecked): [string[], string][] {
    if (!c.drill) return [];
    const issues: [string[], string][] = [];
    if (c.database.deletionProtection)
        issues.push([["database", "deletionProtection"], "false in a drill stack (it is destroyed at the end)"]);
    if (c.backups.objectLockDays > 0)
        issues.push([["backups", "objectLockDays"], "0 in a drill stack (locked objects outlive pulumi destroy)"]);
    if (c.backups.replicaRegion)
        issues.push([["backups", "replicaRegion"], "unset in a drill stack (a replica bucket outlives the drill)"]);
    // ECR repository names are per account: a drill building images would take its source's repositories.
    if (c.detector.build) issues.push([["detector", "build"], "unset in a drill stack (it runs the source's image)"]);
    if (c.mlflow.build) issues.push([["mlflow", "build"], "null in a drill stack (it runs the source's image)"]);
    if (c.backups.build) issues.push([["backups", "build"], "null in a drill stack (it runs the source's image)"]);
    if (!c.backups.restore) issues.push([["backups", "restore"], "the source's backups in a drill stack (a drill restores them)"]);
    return issues;
}
