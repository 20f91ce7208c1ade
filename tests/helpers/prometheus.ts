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
export async function startScrapedPrometheus(
    dir: string,
    job: string,
    honorLabels: boolean,
    options: { basicAuth?: { user: string; bcryptHash: string } } = {},
): Promise<ScrapedPrometheus> {
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
    // Basic auth through Prometheus' own web config (exporter-toolkit's basic_auth_users: bcrypt hashes;
    // https://prometheus.io/docs/prometheus/latest/configuration/https/).
    const webConfig = options.basicAuth ? [`--web.config.file=${join(dir, "web.yml")}`] : [];
    if (options.basicAuth)
        writeFileSync(join(dir, "web.yml"), stringify({ basic_auth_users: { [options.basicAuth.user]: options.basicAuth.bcryptHash } }));
    const prometheus: ChildProcess = spawn(
        "prometheus",
        [
            `--config.file=${join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            ...webConfig,
        ],
        { stdio: "ignore" },
    );
    const url = `http://127.0.0.1:${port}`;
    // /-/ready sits behind the same authentication: any HTTP answer means the server is up.
    await waitUntil("Prometheus ready", async () => {
        const status = (await fetch(`${url}/-/ready`).catch(() => undefined))?.status;
        return status === 200 || (options.basicAuth !== undefined && status === 401);
    });
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
