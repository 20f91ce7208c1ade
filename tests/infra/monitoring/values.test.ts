import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kubePrometheusStackValues } from "../../../infra/monitoring/values";
import { kubePrometheusStack } from "../../../infra/platform/charts";
import { stackConfig } from "./helpers";

interface KeyList {
    version: string;
    paths: Record<string, "map" | "free-map" | "value" | "list">;
}

const keys = JSON.parse(readFileSync(join(__dirname, "fixtures", "kube-prometheus-stack-values-keys.json"), "utf8")) as KeyList;

/**
 * Keys the chart reads but documents only in comments, each checked in the chart's templates:
 * alertmanager.alertmanagerSpec.configSecret in templates/alertmanager/alertmanager.yaml.
 */
const commentedKeys = new Set(["alertmanager.alertmanagerSpec.configSecret"]);

/**
 * Keys of a dependency chart that kube-prometheus-stack passes through without listing, each
 * checked in that chart at the version 88.5.3's Chart.yaml pins: grafana 12.11.1 values.yaml `rbac.namespaced`.
 */
const subchartKeys = new Set(["grafana.rbac.namespaced"]);

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}

/** A path is known if the chart has it, or it sits below a free-form map of the chart (e.g. storageSpec). */
function unknownPaths(paths: string[]): string[] {
    return paths.filter((path) => {
        if (keys.paths[path] || commentedKeys.has(path) || subchartKeys.has(path)) return false;
        const parts = path.split(".");
        return !parts.some((_, i) => keys.paths[parts.slice(0, i + 1).join(".")] === "free-map");
    });
}

describe("monitoring: kube-prometheus-stack values", () => {
    const values = kubePrometheusStackValues({
        config: stackConfig("production").monitoring,
        stack: "production",
        environment: "production",
        alertmanagerSecret: "alertmanager-pneumonia",
        grafanaAdminSecret: { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" },
        storageClassName: "prometheus-production",
        nodeExporterNamespace: "monitoring-node-exporter",
        monitoringNamespace: "monitoring",
    });

    it("are checked against the pinned chart version's key list", () => {
        assert.equal(keys.version, kubePrometheusStack.version);
    });

    it("use only keys of the chart's values.yaml", () => {
        assert.deepEqual(unknownPaths(leafPaths(values)), []);
    });

    it("catch a key the chart does not have", () => {
        assert.deepEqual(unknownPaths(["prometheus.prometheusSpec.retentionDays", "grafana.adminPasword"]), [
            "prometheus.prometheusSpec.retentionDays",
            "grafana.adminPasword",
        ]);
    });

    it("take retention and volume size from config and select every rule and monitor", () => {
        const spec = values.prometheus.prometheusSpec;
        assert.equal(spec.retention, "30d");
        assert.equal(spec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage, "50Gi");
        assert.equal(spec.ruleSelectorNilUsesHelmValues, false);
        assert.equal(spec.serviceMonitorSelectorNilUsesHelmValues, false);
        assert.equal(values.alertmanager.alertmanagerSpec.useExistingSecret, true);
        assert.equal(values.grafana.admin.existingSecret, "grafana-admin");
    });

    it("carry no secret: the Alertmanager config and Grafana password are referenced by Secret name", () => {
        const text = JSON.stringify(values);
        assert.doesNotMatch(text, /password"\s*:\s*"(?!admin-password)/i);
        assert.doesNotMatch(text, /routing_key|api_url|hooks\./);
    });
});
