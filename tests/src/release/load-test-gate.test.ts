// The promotion gate against a real Prometheus (Debian's prometheus), started on 127.0.0.1 and
// scraping, with honor_labels as the platform's Pushgateway ServiceMonitor does, a local server
// that exposes what the k6 script pushes (the Pushgateway re-exposes pushed metrics verbatim with
// the grouping labels: https://github.com/prometheus/pushgateway#about-the-job-and-instance-labels).
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { CheckFailedError } from "../../../src/cli/command";
import { latestLoadTest, prometheusQuery, requirePassedLoadTest, type InstantQuery } from "../../../src/release/load-test-gate";
import { repoRoot, runCli, tsxNode } from "../../helpers/cli";
import { waitUntil } from "../../../scripts/servers/postgres";
import { startScrapedPrometheus, type ScrapedPrometheus } from "../../helpers/prometheus";
import { scratchDir } from "../../infra/monitoring/helpers";

const image = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:${"b".repeat(64)}`;
const other = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:${"c".repeat(64)}`;

/** The text the k6 script pushes, as the Pushgateway exposes it (job label from the grouping key). */
function pushed(tested: string, passed: number, p95: number, errors: number): string {
    const l = `{job="pneumonia-load-test",image="${tested}"}`;
    return [
        `pneumonia_load_test_passed${l} ${passed}`,
        `pneumonia_load_test_p95_seconds${l} ${p95}`,
        `pneumonia_load_test_error_ratio${l} ${errors}`,
        `pneumonia_load_test_requests${l} 700`,
        `pneumonia_load_test_timestamp_seconds${l} 1800000000`,
        "",
    ].join("\n");
}

describe("release: load-test gate against a real Prometheus", function () {
    this.timeout(60_000);
    const dir = scratchDir("gate-prometheus");
    let prometheus: ScrapedPrometheus;
    let query: InstantQuery;
    let prometheusUrl: string;

    before(async () => {
        prometheus = await startScrapedPrometheus(dir.path, "pushgateway", true);
        prometheusUrl = prometheus.url;
        query = prometheusQuery(prometheusUrl);
    });

    after(async () => {
        await prometheus.stop();
        dir.remove();
    });

    /** Exposes `text` and waits until Prometheus has scraped it (its image and p95 are what the query returns). */
    async function expose(text: string, expect?: { image: string; p95: number }): Promise<void> {
        prometheus.expose(text);
        await waitUntil("the scrape", async () => {
            const latest = await latestLoadTest(query);
            return expect
                ? latest?.image === expect.image && latest.p95Seconds === expect.p95
                : latest === undefined && (await query("up"))[0]?.value[1] === "1";
        });
    }

    it("refuses when no load test has reported", async () => {
        await expose("");
        await assert.rejects(
            requirePassedLoadTest(query, image, "staging"),
            (e: Error) => e instanceof CheckFailedError && /^staging has no load-test result/.test(e.message),
        );
    });

    it("passes an image whose latest load test passed, with its figures", async () => {
        await expose(pushed(image, 1, 0.42, 0.002), { image, p95: 0.42 });
        assert.match(
            await requirePassedLoadTest(query, image, "staging"),
            /^staging load test passed for .*: p95 0\.420 s \(limit 2 s\), errors 0\.20 % \(limit 1 %\), 700 requests, at 2027-01-15T08:00:00\.000Z$/,
        );
    });

    it("refuses an image whose load test failed, and says why", async () => {
        await expose(pushed(image, 0, 2.5, 0.002), { image, p95: 2.5 });
        await assert.rejects(requirePassedLoadTest(query, image, "staging"), /failed its staging load test: p95 2\.500 s \(limit 2 s\)/);
    });

    it("refuses an image the latest load test did not run", async () => {
        await expose(pushed(other, 1, 0.4, 0), { image: other, p95: 0.4 });
        await assert.rejects(
            requirePassedLoadTest(query, image, "staging"),
            /staging's latest load test ran .*c{64}, not .*b{64}: load-test this image on staging first/,
        );
    });

    it("npm run promote exits 1 with that line, and writes nothing", async () => {
        await expose(pushed(image, 0, 0.41, 0.03), { image, p95: 0.41 });
        // The CLI as the pipeline runs it (asynchronously: the exporter in this process must keep
        // answering Prometheus' scrapes); the stack would be opened only after the gate.
        const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
            // Staging's Rollout, fully promoted on the image, through the kubectl stand-in (fake-kubectl-get.ts).
            const healthy = {
                metadata: { generation: 2 },
                spec: { template: { spec: { containers: [{ name: "detector", image }] } } },
                status: { phase: "Healthy", observedGeneration: "2", stableRS: "6c9f7d8b5d", currentPodHash: "6c9f7d8b5d" },
            };
            const env = {
                ...process.env,
                KUBECTL: [...tsxNode, join(__dirname, "fake-kubectl-get.ts")].join(" "),
                FAKE_KUBECTL_CONTEXT: "arn:aws:eks:eu-west-1:111122223333:cluster/pneumonia-staging",
                FAKE_KUBECTL_OBJECTS: JSON.stringify({ "rollouts.argoproj.io/pneumonia/detector": healthy }),
            };
            const child = spawn(
                tsxNode[0],
                [
                    ...tsxNode.slice(1),
                    "src/release/cli.ts",
                    "promote",
                    "production",
                    "--image",
                    image,
                    "--prometheus-url",
                    prometheusUrl,
                    "--dry-run",
                ],
                { cwd: repoRoot, env },
            );
            let stderr = "";
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
            child.on("close", (code) => resolve({ code, stderr }));
        });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^error: .* failed its staging load test: p95 0\.410 s \(limit 2 s\), errors 3\.00 % \(limit 1 %\)/);
    });
});

describe("release CLI: usage", () => {
    it("answers --help and exits 2 on an unknown option", () => {
        const help = runCli("src/release/cli.ts", ["promote", "--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /--hotfix/);
        const bad = runCli("src/release/cli.ts", ["promote", "--hotfx"]);
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /^error: Unknown option '--hotfx'/);
    });
});
