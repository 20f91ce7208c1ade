// The load-test verdict as promote reads it, from a real Prometheus (Debian's `prometheus`) scraping
// what the load-test Job pushed: a metrics endpoint standing in for the Pushgateway, scraped with
// honor_labels as a Pushgateway must be (https://github.com/prometheus/pushgateway#about-the-job-and-instance-labels),
// queried through the HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries).
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReleaseError } from "../../../src/release/image";
import { prometheusLoadTestRecord } from "../../../src/release/verify";
import { freePort, waitUntil } from "../../helpers/postgres";
import { digest } from "./fake-stack";

const passedImage = digest("b");
const failedImage = digest("c");

describe("release: the load-test record in Prometheus", function () {
    this.timeout(60_000);
    let dir: string;
    let exporter: Server;
    let prometheus: ReturnType<typeof spawn>;
    let url: string;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), "load-test-record-"));
        const exporterPort = await freePort();
        const body = [
            "# TYPE pneumonia_load_test_passed gauge",
            `pneumonia_load_test_passed{job="load-test",image="${passedImage}"} 1`,
            `pneumonia_load_test_passed{job="load-test",image="${failedImage}"} 0`,
            "",
        ].join("\n");
        exporter = createServer((_, res) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(body));
        await new Promise<void>((resolve) => exporter.listen(exporterPort, "127.0.0.1", resolve));
        writeFileSync(
            join(dir, "prometheus.yml"),
            `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    static_configs: [{ targets: ["127.0.0.1:${exporterPort}"] }]\n`,
        );
        const port = await freePort();
        url = `http://127.0.0.1:${port}`;
        prometheus = spawn("prometheus", [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
        const record = prometheusLoadTestRecord(url);
        await waitUntil("Prometheus to scrape the load-test result", async () => {
            try {
                return (await record.passed("staging", passedImage)) !== undefined;
            } catch {
                return false;
            }
        });
    });

    after(async () => {
        if (prometheus?.pid) process.kill(prometheus.pid, "SIGTERM");
        await new Promise<void>((resolve) => (prometheus?.exitCode !== null ? resolve() : prometheus.once("exit", () => resolve())));
        await new Promise<void>((resolve) => exporter.close(() => resolve()));
        rmSync(dir, { recursive: true, force: true });
    });

    it("reads a passed load test as passed, a failed one as failed, and an untested image as none", async () => {
        const record = prometheusLoadTestRecord(url);
        assert.equal(await record.passed("staging", passedImage), true);
        assert.equal(await record.passed("staging", failedImage), false);
        assert.equal(await record.passed("staging", digest("d")), undefined);
    });

    it("refuses an answer that is not Prometheus's API", async () => {
        await assert.rejects(prometheusLoadTestRecord(`${url}/nowhere`).passed("staging", passedImage), (e: Error) => e instanceof ReleaseError && /answered HTTP 404/.test(e.message));
    });
});
