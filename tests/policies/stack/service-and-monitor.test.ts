import * as assert from "node:assert/strict";
import { messages } from "../check";
import { deployment, edit, resource, service, serviceMonitor } from "../factory";

describe("stack/service-and-monitor", () => {
    it("passes a Deployment with its Service and a ServiceMonitor scraping a named port", async () => {
        assert.deepEqual(
            await messages("stack-service-and-monitor", [deployment("detector"), service("detector"), serviceMonitor("detector")]),
            [],
        );
    });
    it("accepts a PodMonitor instead", async () => {
        const podMonitor = resource("kubernetes:monitoring.coreos.com/v1:PodMonitor", "detector", {
            metadata: { name: "detector", namespace: "pneumonia" },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": "detector" } }, podMetricsEndpoints: [{ port: "http" }] },
        });
        assert.deepEqual(await messages("stack-service-and-monitor", [deployment("detector"), service("detector"), podMonitor]), []);
    });
    it("flags a Deployment no Service selects and one no monitor scrapes", async () => {
        assert.deepEqual(await messages("stack-service-and-monitor", [deployment("detector")]), [
            "Deployment pneumonia/detector: no Service selects its pods",
            "Deployment pneumonia/detector: no ServiceMonitor or PodMonitor scrapes it",
        ]);
    });
    it("flags a monitor looking in another namespace or at a port the Service lacks", async () => {
        const elsewhere = edit(serviceMonitor("detector"), (p) => (p.spec.namespaceSelector = { matchNames: ["other"] }));
        const wrongPort = edit(serviceMonitor("detector"), (p) => (p.spec.endpoints = [{ port: "metrics" }]));
        for (const monitor of [elsewhere, wrongPort]) {
            assert.deepEqual(await messages("stack-service-and-monitor", [deployment("detector"), service("detector"), monitor]), [
                "Deployment pneumonia/detector: no ServiceMonitor or PodMonitor scrapes it",
            ]);
        }
    });
    it("drops violations on exempt resources", async () => {
        const exemptions = [{ resource: "detector", reason: "scraped by the pushgateway job" }];
        assert.deepEqual(await messages("stack-service-and-monitor", [deployment("detector")], { exemptions }), []);
    });
});
