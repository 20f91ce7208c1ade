// A real Prometheus (Debian's `prometheus`) on a backfilled TSDB: the test writes OpenMetrics,
// `promtool tsdb create-blocks-from openmetrics` turns it into blocks (Prometheus docs, "Backfilling
// from OpenMetrics format"), and Prometheus serves them on 127.0.0.1. Stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, waitUntil } from "../../../scripts/servers/postgres";

export interface OpenMetricsFamily {
    name: string;
    type: "gauge" | "counter";
    /** Samples of each series: labels and [unix seconds, value] pairs in ascending time. */
    series: Array<{ labels: Record<string, string>; samples: Array<[number, number]> }>;
}

export function openMetrics(families: OpenMetricsFamily[]): string {
    const lines: string[] = [];
    for (const f of families) {
        lines.push(`# TYPE ${f.name} ${f.type}`);
        for (const s of f.series) {
            const labels = Object.entries(s.labels)
                .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                .join(",");
            // A counter's samples carry the _total suffix in OpenMetrics; its family name does not.
            const sampleName = f.type === "counter" ? `${f.name}_total` : f.name;
            for (const [t, v] of s.samples) lines.push(`${sampleName}{${labels}} ${v} ${t}`);
        }
    }
    lines.push("# EOF");
    return `${lines.join("\n")}\n`;
}

export interface RunningPrometheus {
    url: string;
    stop: () => void;
}

export async function startPrometheus(dir: string, families: OpenMetricsFamily[]): Promise<RunningPrometheus> {
    const data = join(dir, "data.om");
    const tsdb = join(dir, "tsdb");
    mkdirSync(tsdb);
    writeFileSync(data, openMetrics(families));
    const backfill = spawnSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", data, tsdb], {
        encoding: "utf8",
    });
    if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${backfill.stderr}${backfill.stdout}`);
    writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
    const port = await freePort();
    const child: ChildProcess = spawn(
        "prometheus",
        [
            `--config.file=${join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${tsdb}`,
            "--storage.tsdb.retention.time=90d",
            `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    const stop = () => {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
    };
    try {
        await waitUntil("prometheus ready", async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 60_000);
    } catch (e) {
        stop();
        throw new Error(`${(e as Error).message}\n${log}`, { cause: e });
    }
    return { url, stop };
}
