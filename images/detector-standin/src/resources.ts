// cpu_percent and memory_percent as the alerts read them (0-100): this process against the
// container's limits when the cgroup (v2) sets them, against the machine otherwise.
// cgroup v2 files: https://docs.kernel.org/admin-guide/cgroup-v2.html (cpu.max, memory.max).
import { readFileSync } from "node:fs";
import { availableParallelism, totalmem } from "node:os";

function cgroupFile(name: string): string | undefined {
    try {
        return readFileSync(`/sys/fs/cgroup/${name}`, "utf8").trim();
    } catch {
        return undefined;
    }
}

/** CPUs this process may use: the cgroup's quota/period, else the machine's CPUs. */
export function cpuLimit(): number {
    const [quota, period] = (cgroupFile("cpu.max") ?? "max").split(" ");
    return quota !== "max" && Number(period) > 0 ? Number(quota) / Number(period) : availableParallelism();
}

/**
 * Bytes this process may use: the cgroup's memory.max, else `fallbackBytes` (MEMORY_LIMIT_MIB, for a
 * process run outside a container with a limit in mind), else the machine's memory.
 */
export function memoryLimit(fallbackBytes?: number): number {
    const max = cgroupFile("memory.max");
    return max && max !== "max" ? Number(max) : (fallbackBytes ?? totalmem());
}

export class ResourceMeter {
    private lastCpu = process.cpuUsage();
    private lastAt = process.hrtime.bigint();
    private readonly cpus = cpuLimit();
    private readonly memory: number;

    constructor(memoryFallbackBytes?: number) {
        this.memory = memoryLimit(memoryFallbackBytes);
    }

    /** CPU used since the previous call (each scrape), as a share of the limit. */
    cpuPercent(): number {
        const now = process.hrtime.bigint();
        const used = process.cpuUsage(this.lastCpu);
        const elapsedMicros = Number(now - this.lastAt) / 1000;
        this.lastCpu = process.cpuUsage();
        this.lastAt = now;
        if (elapsedMicros <= 0) return 0;
        return round(Math.min(100, ((used.user + used.system) / elapsedMicros / this.cpus) * 100));
    }

    /** Resident memory against the limit: what the kubelet's OOM decision and DetectorMemoryHigh care about. */
    memoryPercent(): number {
        return round(Math.min(100, (process.memoryUsage.rss() / this.memory) * 100));
    }
}

function round(n: number): number {
    return Math.round(n * 100) / 100;
}
