// A real Prometheus (Debian's `prometheus`) on 127.0.0.1 and a free port, scraping one local
// exporter every second whose exposition text the test sets; started by the test set-up and
// stopped by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort, waitUntil } from "../../scripts/servers/postgres";

export interface ScrapedPrometheus {
    /** http://127.0.0.1:<port> */
    url: string;
    /** Sets what the exporter exposes from the next scrape on (Prometheus text format). */
    expose(text: string): void;
    stop(): Promise<void>;
}

/**
 * `job` names the scrape job; `honorLabels` keeps the exposed series' own job/instance labels, as
 * the platform's ServiceMonitors for the Pushgateway and kube-state-metrics set it.
 */
export async function startScrapedPrometheus(dir: string, job: string, honorLabels: boolean): Promise<ScrapedPrometheus> {
    let exposed = "";
    const exporter = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(exposed));
    const exporterPort = await freePort();
    await new Promise<void>((resolve) => exporter.listen(exporterPort, "127.0.0.1", resolve));
    const port = await freePort();
    writeFileSync(
        join(dir, "prometheus.yml"),
        stringify({
            global: { scrape_interval: "1s" },
            scrape_configs: [{ job_name: job, honor_labels: honorLabels, static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
        }),
    );
    const prometheus: ChildProcess = spawn(
        "prometheus",
        [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
        { stdio: "ignore" },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitUntil("Prometheus ready", async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true);
    return {
        url,
        expose: (text) => void (exposed = text),
        async stop() {
            if (prometheus.exitCode === null) {
                const exited = new Promise((r) => prometheus.once("exit", r));
                process.kill(prometheus.pid!, "SIGTERM");
                await exited;
            }
            await new Promise((r) => exporter.close(r));
        },
    };
}
