import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoggingConfig } from "../../../infra/logging/config";
import { alloyValues, classSelectors, lokiValues, retentionLimits } from "../../../infra/logging/values";
import { alloyChart, lokiChart } from "../../../infra/platform/charts";
import { stackConfig } from "../monitoring/helpers";

interface KeyList {
    chart: string;
    version: string;
    paths: Record<string, "map" | "free-map" | "value" | "list">;
}
const fixture = (file: string) => JSON.parse(readFileSync(join(__dirname, "fixtures", file), "utf8"));
const lokiKeys = fixture("loki-values-keys.json") as KeyList;
const alloyKeys = fixture("alloy-values-keys.json") as KeyList;
/** Loki v3.7.6 configuration reference: the keys of each block the chart passes through verbatim. */
const lokiConfigKeys = fixture("loki-config-keys.json") as { blocks: Record<string, string[]> };

/**
 * Keys the Loki chart reads but documents only in comments of values.yaml, each checked in the
 * chart's templates at loki-18.11.0: loki.storage.bucketNames.chunks (_helpers.tpl, the
 * storage_config and common.storage helpers read `dig "storage" "bucketNames" "chunks"`).
 */
const lokiCommentedKeys = new Set(["loki.storage.bucketNames.chunks"]);
/** Keys of those blocks whose value is a map of free-form names (Loki reference: ruler.external_labels, "Labels to add to all alerts"). */
/** ruler.remote_write.clients: "Configure remote write clients. A map with remote client id as key", each a Prometheus remote_write config. */
const lokiFreeMaps: Record<string, string[]> = { ruler: ["external_labels", "remote_write.clients"] };
/** Loki configuration blocks the chart renders from these values with toYaml (values.yaml, loki.config). */
const passThrough: Record<string, string> = {
    "loki.limits_config": "limits_config",
    "loki.compactor": "compactor",
    "loki.rulerConfig": "ruler",
};

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}

function unknownPaths(keys: KeyList, paths: string[], commented = new Set<string>()): string[] {
    return paths.filter((path) => {
        const block = Object.keys(passThrough).find((p) => path.startsWith(`${p}.`));
        if (block) {
            const key = path.slice(block.length + 1);
            const name = passThrough[block];
            return !lokiConfigKeys.blocks[name].includes(key) && !(lokiFreeMaps[name] ?? []).some((m) => key.startsWith(`${m}.`));
        }
        if (keys.paths[path] || commented.has(path)) return false;
        const parts = path.split(".");
        return !parts.some((_, i) => keys.paths[parts.slice(0, i + 1).join(".")] === "free-map");
    });
}

/**
 * The Loki chart's own refusals (charts/loki/templates/validate.yaml at loki-18.11.0) that our
 * values could meet, with object storage configured: `helm install` fails on any of these.
 */
function chartRefusals(values: any): string[] {
    const refusals: string[] = [];
    const replicas = (c?: { replicas?: number }) => Number(c?.replicas ?? 0);
    const monolithic = replicas(values.singleBinary);
    const scalable = ["backend", "read", "write"].some((c) => replicas(values[c]) > 0);
    const distributed = [
        "ingester",
        "distributor",
        "querier",
        "queryFrontend",
        "queryScheduler",
        "indexGateway",
        "compactor",
        "ruler",
    ].some((c) => replicas(values[c]) > 0);
    if (values.lokiCanary?.enabled === false && values.test?.enabled !== false)
        refusals.push("Helm test requires the Loki Canary to be enabled");
    if (values.minio?.enabled && !values.ignoreMinioDeprecation) refusals.push("builtin MinIO is deprecated");
    if (scalable && distributed && values.deploymentMode !== "SimpleScalable<->Distributed")
        refusals.push("scalable and distributed replicas");
    if (monolithic > 0 && distributed) refusals.push("monolithic and distributed replicas");
    if (monolithic > 0 && scalable) refusals.push("monolithic and simple scalable replicas");
    if (!values.loki?.schemaConfig || Object.keys(values.loki.schemaConfig).length === 0)
        refusals.push("You must provide a schema_config for Loki");
    return refusals;
}

const config = (stack: string): LoggingConfig => stackConfig(stack).logging;
const s3 = { bucket: "loki-logs-abc", region: "eu-west-1" };
const minio = {
    bucket: "loki-logs",
    region: "us-east-1",
    endpoint: "http://object-store.pneumonia.svc.cluster.local:9000",
    credentialsSecret: "loki-object-store",
};
const loki = (stack: string, storage = s3) =>
    lokiValues({
        config: config(stack),
        storage,
        alertmanagerUrl: "http://alertmanager:9093",
        prometheusRemoteWriteUrl: "http://prometheus:9090/api/v1/write",
        externalLabels: { stack, environment: stack },
        serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/loki" },
    });

describe("logging: chart values", () => {
    it("are checked against the pinned chart versions' key lists", () => {
        assert.equal(lokiKeys.chart, lokiChart.chart);
        assert.equal(lokiKeys.version, lokiChart.version);
        assert.equal(alloyKeys.chart, alloyChart.chart);
        assert.equal(alloyKeys.version, alloyChart.version);
    });

    for (const stack of ["local", "staging", "production"]) {
        it(`${stack}: Loki's values use only keys of its values.yaml and of Loki's configuration reference`, () => {
            assert.deepEqual(unknownPaths(lokiKeys, leafPaths(loki(stack, stack === "local" ? minio : s3)), lokiCommentedKeys), []);
        });
    }

    it("the agent's values use only keys of Alloy's values.yaml", () => {
        assert.deepEqual(unknownPaths(alloyKeys, leafPaths(alloyValues({ configuration: "" }))), []);
    });

    it("catch keys the charts and Loki do not have", () => {
        assert.deepEqual(
            unknownPaths(lokiKeys, ["singleBinary.replica", "loki.limits_config.retention_days", "loki.compactor.retention_enabled"]),
            ["singleBinary.replica", "loki.limits_config.retention_days"],
        );
        assert.deepEqual(unknownPaths(alloyKeys, ["alloy.mounts.varlogs", "controller.type"]), ["alloy.mounts.varlogs"]);
    });

    it("retain per stream: application by default, events, access and backup job logs by their class's stream selector", () => {
        const limits = loki("production").loki.limits_config;
        assert.equal(limits.retention_period, `${30 * 24}h`);
        assert.deepEqual(
            limits.retention_stream.map((r) => [r.selector, r.period]),
            [
                ['{log_class="events"}', `${30 * 24}h`],
                ['{log_class="access"}', `${365 * 24}h`],
                ['{log_class="backup"}', `${90 * 24}h`],
            ],
        );
        assert.equal(loki("staging").loki.limits_config.retention_period, `${7 * 24}h`);
        // Retention is enforced only when the compactor has it on and a store for delete requests.
        assert.equal(loki("production").loki.compactor.retention_enabled, true);
        assert.equal(loki("production").loki.compactor.delete_request_store, "s3");
        assert.deepEqual(Object.keys(classSelectors).sort(), ["access", "backup", "events"]);
        assert.deepEqual(
            retentionLimits({
                ...config("local"),
                retentionDays: { application: 1, events: 2, access: 3, backup: 4 },
            }).retention_stream.map((r) => r.period),
            ["48h", "72h", "96h"],
        );
    });

    it("pass the chart's own validation (templates/validate.yaml), which refuses mixed modes", () => {
        for (const stack of ["local", "staging", "production"]) assert.deepEqual(chartRefusals(loki(stack)), [], stack);
        const mixed = { ...loki("production"), singleBinary: { replicas: 1 } };
        assert.deepEqual(chartRefusals(mixed), ["monolithic and distributed replicas"]);
        assert.deepEqual(chartRefusals({ ...loki("staging"), test: { enabled: true } }), [
            "Helm test requires the Loki Canary to be enabled",
        ]);
    });

    it("run one binary in local/staging and the microservices in production", () => {
        const mono = loki("staging");
        assert.equal(mono.deploymentMode, "Monolithic");
        assert.equal(mono.singleBinary.replicas, 1);
        assert.equal(mono.ingester.replicas, 0);
        const dist = loki("production");
        assert.equal(dist.deploymentMode, "Distributed");
        assert.equal(dist.singleBinary.replicas, 0);
        assert.equal(dist.ingester.replicas, 3);
        assert.equal(dist.loki.commonConfig.replication_factor, 3);
        assert.ok(dist.distributor.replicas >= 2 && dist.querier.replicas >= 2 && dist.queryFrontend.replicas >= 2);
        assert.equal(dist.ruler.sidecar, true, "the ruler loads the rule ConfigMaps through the sidecar");
    });

    it("label the ruler's alerts with stack and environment, like Prometheus' alerts", () => {
        assert.deepEqual(loki("production").loki.rulerConfig.external_labels, { stack: "production", environment: "production" });
    });

    it("store on S3 through IRSA in AWS, on the in-cluster store with keys from a Secret in local", () => {
        const aws = loki("production");
        assert.deepEqual(aws.loki.storage.s3, { region: "eu-west-1" });
        assert.equal(aws.loki.storage.bucketNames.chunks, "loki-logs-abc");
        assert.equal(aws.serviceAccount.annotations["eks.amazonaws.com/role-arn" as never], "arn:aws:iam::123456789012:role/loki");
        const local = loki("local", minio);
        assert.equal(local.loki.storage.s3.accessKeyId, "${AWS_ACCESS_KEY_ID}", "expanded by Loki from the environment");
        assert.deepEqual(local.singleBinary.extraEnvFrom, [{ secretRef: { name: "loki-object-store" } }]);
        assert.ok(local.singleBinary.extraArgs?.includes("-config.expand-env=true"));
    });

    it("mount only /var/log/pods from the host, read-only, into an agent that cannot escalate", () => {
        const values = alloyValues({ configuration: "" });
        const hostPaths = values.controller.volumes.extra.filter((v) => "hostPath" in v);
        assert.deepEqual(hostPaths, [{ name: "pod-logs", hostPath: { path: "/var/log/pods", type: "Directory" } }]);
        assert.deepEqual(
            values.alloy.mounts.extra.find((m) => m.name === "pod-logs"),
            { name: "pod-logs", mountPath: "/var/log/pods", readOnly: true },
        );
        assert.equal(values.alloy.mounts.varlog, false);
        assert.equal(values.alloy.clustering.enabled, true, "the events source's clustering needs the agents clustered");
        assert.equal(values.alloy.securityContext.allowPrivilegeEscalation, false);
        assert.equal(values.alloy.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(values.alloy.securityContext.capabilities.drop, ["ALL"]);
    });
});
