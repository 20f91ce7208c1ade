// CPU time of a child process while it runs: the cost of a start independent of what else a shared
// machine runs (on idle cores the wall time is close to it).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

const clockTicksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** utime + stime (all threads) of a live process from /proc/<pid>/stat (proc(5), fields 14 and 15), in ms; undefined off Linux. */
export function processCpuMs(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
    } catch {
        return undefined;
    }
}
