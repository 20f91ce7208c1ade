// When each backup job runs and how long one run may take; from those, how old each kind's last
// success may get before it is stale. BackupStale, BackupMissing and the health check's backup
// lines all read these limits (through the parsed config), so moving a schedule moves them all.
// Free of Pulumi and of infra/config.ts: the health check and the config schema import it.
import { Cron } from "croner";
import type { BackupFreshness } from "../monitoring/config";
import { recoveryPointObjectives, recoveryTimeObjectives } from "../observability/objectives";

export const backupJobNames = ["db", "models", "config", "verify"] as const;
export type BackupJobName = (typeof backupJobNames)[number];

/**
 * Wall-clock limit of one run (the Job's activeDeadlineSeconds, retries included). The dump's
 * 2 h is ample with pg_dump --lock-wait-timeout (a blocked dump fails in minutes) and keeps the
 * database's staleness limit at 26 h; verify restores the whole database and must fit the 4 h data RTO.
 */
export const backupDeadlineSeconds: Record<BackupJobName, number> = {
    db: 2 * 3600,
    models: 2 * 3600,
    config: 15 * 60,
    verify: recoveryTimeObjectives.dataRecovery,
};

/** The manual's RPO each daily kind's schedule must keep; verify restores db backups and has none of its own. */
export const backupRpoSeconds: Partial<Record<BackupJobName, number>> = {
    db: recoveryPointObjectives.database,
    models: recoveryPointObjectives.modelArtifacts,
    config: recoveryPointObjectives.configuration,
};

/** Two years of runs cover every gap of a schedule that repeats within a year (leap days included). */
const horizonMs = 2 * 366 * 86400_000;
/** Enough runs to see the longest gap of any schedule frequent enough to hit this bound (minutes apart). */
const maxRuns = 50_000;

/**
 * The longest time between two consecutive runs of a five-field cron schedule, in seconds, as the
 * CronJob controller reads it (UTC, day-of-month OR day-of-week as in Vixie cron). Throws on a
 * pattern it cannot parse or one that runs less than twice in two years.
 */
export function longestGapSeconds(schedule: string): number {
    const known = gaps.get(schedule);
    if (known !== undefined) return known;
    const cron = new Cron(schedule, { timezone: "Etc/UTC", mode: "5-part", domAndDow: false, paused: true });
    const start = new Date(Date.UTC(2025, 0, 1));
    let previous = cron.nextRun(start);
    let longest = 0;
    for (let runs = 0; previous && runs < maxRuns && previous.getTime() - start.getTime() < horizonMs; runs++) {
        const next = cron.nextRun(previous);
        if (!next) break;
        longest = Math.max(longest, next.getTime() - previous.getTime());
        previous = next;
    }
    if (longest === 0) throw new Error("a schedule that runs at least twice in two years");
    gaps.set(schedule, longest / 1000);
    return longest / 1000;
}
/** Config is parsed many times per program (stack files, tests); a schedule's gap never changes. */
const gaps = new Map<string, number>();

/** How often a kind runs and how old its last success may get. */
export function backupFreshness<K extends BackupJobName>(
    schedules: Record<BackupJobName, string>,
    kinds: readonly K[],
): Record<K, BackupFreshness> {
    return Object.fromEntries(
        kinds.map((kind) => {
            const intervalSeconds = longestGapSeconds(schedules[kind]);
            return [kind, { intervalSeconds, maxAgeSeconds: intervalSeconds + backupDeadlineSeconds[kind] }];
        }),
    ) as Record<K, BackupFreshness>;
}

/** What is wrong with one kind's schedule, as the config error's expectation; undefined when fine. */
export function scheduleProblem(kind: BackupJobName, schedule: string): string | undefined {
    let gap: number;
    try {
        gap = longestGapSeconds(schedule);
    } catch (e) {
        return `a five-field cron schedule such as 15 1 * * * (${(e as Error).message})`;
    }
    const rpo = backupRpoSeconds[kind];
    if (rpo !== undefined && gap > rpo)
        return `a schedule running at least every ${rpo / 3600} h (the manual's RPO), not every ${gap / 3600} h`;
    return undefined;
}
