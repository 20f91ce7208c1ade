// How often a CronJob schedule fires, to hold backups to the manual's 24 h RPO.

function expand(field: string, min: number, max: number): number[] | undefined {
    const values = new Set<number>();
    for (const part of field.split(",")) {
        const match = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!match) return undefined;
        const from = match[2] === undefined ? min : Number(match[2]);
        const to = match[3] !== undefined ? Number(match[3]) : match[2] === undefined || match[4] !== undefined ? max : from;
        const step = match[4] === undefined ? 1 : Number(match[4]);
        if (from < min || to > max || step < 1) return undefined;
        for (let v = from; v <= to; v += step) values.add(v);
    }
    return [...values].sort((a, b) => a - b);
}

const unrestricted = (field: string) => field === "*" || field === "?" || field === "*/1";

/**
 * The longest gap in hours between two runs of a cron schedule, or undefined when the schedule
 * cannot be read. Runs restricted to some days of the month or week count as more than a day apart.
 */
export function longestGapHours(schedule: string): number | undefined {
    const spec = schedule.trim().replace(/^(CRON_)?TZ=\S+\s+/, "");
    const macros: Record<string, number> = {
        "@hourly": 1,
        "@daily": 24,
        "@midnight": 24,
        "@weekly": 168,
        "@monthly": 744,
        "@yearly": 8784,
        "@annually": 8784,
    };
    if (spec.startsWith("@")) return macros[spec];
    const fields = spec.split(/\s+/);
    if (fields.length !== 5) return undefined;
    const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
    if (!expand(minute, 0, 59) || !expand(dayOfMonth, 1, 31) || !expand(month, 1, 12) || !expand(dayOfWeek, 0, 7)) return undefined;
    const hours = expand(hour, 0, 23);
    if (!hours || hours.length === 0) return undefined;
    if (!unrestricted(dayOfMonth) || !unrestricted(month) || !unrestricted(dayOfWeek)) return 168;
    const gaps = hours.map((h, i) => (i + 1 < hours.length ? hours[i + 1] - h : hours[0] + 24 - h));
    return Math.max(...gaps);
}
