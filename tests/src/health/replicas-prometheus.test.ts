// The replica lines against a real Prometheus (Debian's prometheus) scraping the same series the
// fake Prometheus evaluates, exposed as kube-state-metrics exposes them (ReplicaSet metrics and
// kube_replicaset_owner with owner_kind/owner_name:
// https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/replicaset-metrics.md).
// Each scenario's lines must be the same from both: the fake answers the check's queries as
// Prometheus does, and the queries find an Argo Rollout through the ReplicaSets it owns.
import * as assert from "node:assert/strict";
import { fetchHttp, replicaLines } from "../../../src/health/checks";
import { waitUntil } from "../../../scripts/servers/postgres";
import { startScrapedPrometheus, type ScrapedPrometheus } from "../../helpers/prometheus";
import { scratchDir } from "../../infra/monitoring/helpers";
import {
    exposition,
    fakeHealthSettings,
    healthyScenario,
    replicaSet,
    startFakeServices,
    type FakeServices,
    type Scenario,
} from "./fake-services";

const settings = fakeHealthSettings(["detector"]);

describe("health check: replica lines against a real Prometheus", function () {
    this.timeout(60_000);
    const dir = scratchDir("health-prometheus");
    let prometheus: ScrapedPrometheus;
    let prometheusUrl: string;
    let fake: FakeServices;

    before(async () => {
        fake = await startFakeServices();
        // honor_labels, as kube-prometheus-stack's kube-state-metrics ServiceMonitor sets it: the series' own namespace wins.
        prometheus = await startScrapedPrometheus(dir.path, "kube-state-metrics", true);
        prometheusUrl = prometheus.url;
    });

    after(async () => {
        await prometheus.stop();
        await fake.stop();
        dir.remove();
    });

    /** Exposes the scenario's series and waits for a scrape that holds exactly them (a removed series goes stale at once). */
    async function expose(scenario: Scenario): Promise<void> {
        prometheus.expose(exposition(scenario.kubeStateMetrics));
        fake.scenario = scenario;
        await waitUntil("the scrape", async () => {
            const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('count({__name__=~"kube_.+"})')}`);
            const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
            return Number(body.data.result[0]?.value[1]) === scenario.kubeStateMetrics.length;
        });
    }

    const scenarios: [string, (s: Scenario) => void][] = [
        ["healthy", () => undefined],
        [
            "a canary ReplicaSet not ready yet",
            (s) =>
                void s.kubeStateMetrics.push(...replicaSet("pneumonia", "detector-9a1b2c3d4", { kind: "Rollout", name: "detector" }, 1, 0)),
        ],
        [
            "no ReplicaSet owned by the Rollout",
            (s) => void (s.kubeStateMetrics = s.kubeStateMetrics.filter((m) => m.labels.owner_name !== "detector")),
        ],
    ];
    for (const [label, change] of scenarios) {
        it(`gives the fake's lines: ${label}`, async () => {
            const scenario = healthyScenario();
            change(scenario);
            await expose(scenario);
            const http = fetchHttp(2000);
            const real = await replicaLines(settings, { prometheus: prometheusUrl }, http);
            const faked = await replicaLines(settings, { prometheus: fake.endpoints.prometheus }, http);
            assert.deepEqual(faked, real);
            assert.ok(real.some((l) => l.check === "replicas ready: rollout/detector"));
            if (label === "healthy")
                assert.deepEqual(
                    real.filter((l) => !l.ok),
                    [],
                );
            else assert.equal(real.find((l) => l.check === "replicas ready: rollout/detector")?.ok, false);
        });
    }
});
