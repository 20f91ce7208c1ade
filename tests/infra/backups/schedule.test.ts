// The staleness limits come from the schedules: a changed schedule moves BackupStale, BackupMissing
// and the health check together, and a schedule that cannot keep its RPO is a config error.
// Schedules are read as the CronJob controller reads them (five fields, UTC with timeZone
// Etc/UTC, day-of-month OR day-of-week): https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax
import { strict as assert } from "node:assert";
import { backupDeadlineSeconds, backupFreshness, longestGapSeconds } from "../../../infra/backups/schedule";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { recoveryPointObjectives } from "../../../infra/observability/objectives";
import { alertDefinitions } from "../../../infra/monitoring/alerts";

const local = (backups: Record<string, unknown> = {}) =>
    parsePlatformConfig({ environment: "local", detector: { image: "ghcr.io/pneumonia-detector/api:1.4.2" }, backups }, "local");
const hour = 3600;
const day = 24 * hour;

describe("backups: schedules and staleness limits", () => {
    it("reads the longest gap of a schedule, day-of-month OR day-of-week as cron does", () => {
        assert.equal(longestGapSeconds("15 1 * * *"), day);
        assert.equal(longestGapSeconds("0 4 * * 0"), 7 * day);
        assert.equal(longestGapSeconds("0 */6 * * *"), 6 * hour);
        // Weekdays only: Friday to Monday is the longest gap.
        assert.equal(longestGapSeconds("0 2 * * 1-5"), 3 * day);
        // The 1st or any Sunday: OR semantics, so never more than a week apart.
        assert.ok(longestGapSeconds("0 3 1 * 0") <= 7 * day);
        // Monthly: the longest gap is 31 days.
        assert.equal(longestGapSeconds("0 4 1 * *"), 31 * day);
    });

    it("gives each default kind its schedule plus its deadline: daily 24 h + deadline, verify 7 days + deadline", () => {
        const f = local().monitoring.backupFreshness;
        assert.equal(f.db!.maxAgeSeconds, recoveryPointObjectives.database + backupDeadlineSeconds.db);
        assert.equal(f.db!.maxAgeSeconds, 26 * hour);
        assert.equal(f.models!.maxAgeSeconds, recoveryPointObjectives.modelArtifacts + backupDeadlineSeconds.models);
        assert.equal(f.config!.maxAgeSeconds, recoveryPointObjectives.configuration + backupDeadlineSeconds.config);
        assert.equal(f.verify!.maxAgeSeconds, 7 * day + backupDeadlineSeconds.verify);
    });

    it("moves BackupStale and BackupMissing when a schedule changes", () => {
        const monthly = local({
            schedules: { db: "15 1 * * *", models: "45 1 * * *", config: "30 2 * * *", verify: "0 4 1 * *" },
        }).monitoring;
        const verifyLimit = 31 * day + backupDeadlineSeconds.verify;
        const stale = alertDefinitions(monthly).find((d) => d.name === "BackupStale")!;
        assert.match(stale.expr, new RegExp(`\\{kind="verify"\\} > ${verifyLimit}$`));
        const missing = alertDefinitions(monthly).find((d) => d.name === "BackupMissing" && d.variant?.kind === "verify")!;
        assert.equal(missing.for, `${verifyLimit / hour}h`);
        // A daily kind's limit is unchanged by verify's schedule.
        assert.match(stale.expr, new RegExp(`\\{kind="db"\\} > ${26 * hour}\\n`));
    });

    it("limits only the kinds the monitoring config alerts on", () => {
        const defaults = local().backups.schedules;
        assert.deepEqual(Object.keys(backupFreshness(defaults, ["db", "verify"])), ["db", "verify"]);
    });

    const rejects: Array<[string, Record<string, string>, RegExp]> = [
        [
            "a db dump every other day (beyond the 24 h RPO)",
            { db: "15 1 */2 * *" },
            /^backups\.schedules\.db: expected a schedule running at least every 24 h \(the manual's RPO\), not every 48 h, got "15 1 \*\/2 \* \*"$/,
        ],
        [
            "a weekly models backup",
            { models: "45 1 * * 0" },
            /^backups\.schedules\.models: expected a schedule running at least every 24 h/,
        ],
        [
            "a pattern cron cannot read",
            { config: "61 2 * * *" },
            /^backups\.schedules\.config: expected a five-field cron schedule such as 15 1 \* \* \*/,
        ],
    ];
    for (const [what, change, message] of rejects) {
        it(`rejects ${what} with one line naming the key`, () => {
            const schedules = { ...local().backups.schedules, ...change };
            assert.throws(
                () => local({ schedules }),
                (e: Error) => e instanceof ConfigError && message.test(e.message) && !e.message.includes("\n"),
            );
        });
    }
});
