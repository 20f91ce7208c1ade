// The Helm values of the edge's two charts, checked against each pinned chart version's own values.yaml.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { envoyGatewayValues } from "../../../infra/edge/gateway";
import { envoyGatewayChart } from "../../../infra/platform/charts";
import { loadBalancerControllerValues } from "../../../infra/edge/load-balancer";
import { loadBalancerControllerChart } from "../../../infra/platform/charts";
import { blackboxValues, wafMetricsConfig, wafMetricsValues } from "../../../infra/edge/monitoring";
import { blackboxChart, wafMetricsChart } from "../../../infra/platform/charts";

interface KeyList {
    version: string;
    paths: Record<string, "map" | "free-map" | "value" | "list">;
}
const keyList = (file: string) => JSON.parse(readFileSync(join(__dirname, "fixtures", file), "utf8")) as KeyList;

function leafPaths(value: unknown, prefix = ""): string[] {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    }
    return [prefix];
}

/**
 * A path is known if the chart has it, sits below one of its free-form maps, or below a key the
 * chart renders whole with toYaml as a Kubernetes object (`passThrough`, each checked in the templates).
 */
function unknownPaths(keys: KeyList, paths: string[], passThrough: string[] = []): string[] {
    return paths.filter((path) => {
        if (keys.paths[path]) return false;
        const parts = path.split(".");
        return !parts.some((_, i) => {
            const head = parts.slice(0, i + 1).join(".");
            return keys.paths[head] === "free-map" || (passThrough.includes(head) && i + 1 < parts.length);
        });
    });
}

describe("infra/edge Helm values", () => {
    describe("gateway-helm (Envoy Gateway)", () => {
        const keys = keyList("gateway-helm-values-keys.json");
        it("are checked against the pinned chart version's key list", () => assert.equal(keys.version, envoyGatewayChart.version));
        it("use only keys of the chart's values.yaml", () => assert.deepEqual(unknownPaths(keys, leafPaths(envoyGatewayValues())), []));
    });

    describe("aws-load-balancer-controller", () => {
        const keys = keyList("aws-load-balancer-controller-values-keys.json");
        // templates/deployment.yaml renders both with `toYaml` into the pod and container securityContext.
        const passThrough = ["podSecurityContext", "securityContext"];
        const values = loadBalancerControllerValues({
            clusterName: "c",
            region: "eu-west-1",
            vpcId: "vpc-0abc",
            roleArn: "arn:aws:iam::1:role/r",
        });
        it("are checked against the pinned chart version's key list", () =>
            assert.equal(keys.version, loadBalancerControllerChart.version));
        it("use only keys of the chart's values.yaml", () => assert.deepEqual(unknownPaths(keys, leafPaths(values), passThrough), []));
        it("catch a key the chart does not have", () =>
            assert.deepEqual(
                unknownPaths(
                    keys,
                    ["enableServiceMutatorWebhooks", "serviceAccount.annotation", "securityContext.runAsNonRoot"],
                    passThrough,
                ),
                ["enableServiceMutatorWebhooks", "serviceAccount.annotation"],
            ));
        it("turn off the Service mutator webhook, so no other LoadBalancer Service becomes an NLB", () =>
            assert.equal(values.enableServiceMutatorWebhook, false));
        it("bind the service account to the IRSA role", () =>
            assert.deepEqual(values.serviceAccount, {
                create: true,
                name: "aws-load-balancer-controller",
                annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r" },
            }));
    });

    describe("prometheus-blackbox-exporter", () => {
        const keys = keyList("prometheus-blackbox-exporter-values-keys.json");
        // templates/_helpers.tpl renders securityContext with toYaml into the container; templates/configmap.yaml
        // renders config.modules as blackbox.yaml, whose module names and fields are blackbox_exporter's own.
        const passThrough = ["securityContext", "config.modules"];
        it("are checked against the pinned chart version's key list", () => assert.equal(keys.version, blackboxChart.version));
        it("use only keys of the chart's values.yaml", () =>
            assert.deepEqual(unknownPaths(keys, leafPaths(blackboxValues(true)), passThrough), []));
        it("verify the public certificate only where it is a public one", () => {
            assert.equal(blackboxValues(true).config.modules.https_health.http.tls_config.insecure_skip_verify, false);
            assert.equal(blackboxValues(false).config.modules.https_health.http.tls_config.insecure_skip_verify, true);
            assert.equal(blackboxValues(true).config.modules.https_health.http.fail_if_not_ssl, true);
        });
    });

    describe("prometheus-cloudwatch-exporter (WAF metrics)", () => {
        const keys = keyList("prometheus-cloudwatch-exporter-values-keys.json");
        // serviceAccount.annotations is commented in values.yaml and read by templates/serviceaccount.yaml; containerSecurityContext
        // (a free map) and securityContext are rendered with toYaml by templates/deployment.yaml.
        const commented = new Set(["serviceAccount.annotations.eks.amazonaws.com/role-arn"]);
        const values = wafMetricsValues(wafMetricsConfig("eu-west-1", "edge-acl"), "arn:aws:iam::1:role/r");
        it("are checked against the pinned chart version's key list", () => assert.equal(keys.version, wafMetricsChart.version));
        it("use only keys of the chart's values.yaml", () =>
            assert.deepEqual(
                unknownPaths(
                    keys,
                    leafPaths(values).filter((p) => !commented.has(p)),
                    ["securityContext"],
                ),
                [],
            ));
        it("ask CloudWatch for the edge web ACL's BlockedRequests only", () => {
            assert.match(values.config, /aws_namespace: AWS\/WAFV2/);
            assert.match(values.config, /aws_metric_name: BlockedRequests/);
            assert.match(values.config, /WebACL:\n\s+- edge-acl/);
        });
    });
});
