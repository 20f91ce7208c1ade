import { strict as assert } from "node:assert";
import { statementMatches } from "../../helpers/s3-policy";
import * as pulumi from "@pulumi/pulumi";
import { alertDefinitions } from "../../../infra/monitoring/alerts";
import { Monitoring, podSecurityExemption, snapshotTagKey, type MonitoringArgs } from "../../../infra/monitoring/component";
import { kubePrometheusStack } from "../../../infra/platform/charts";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";
import { declare, type Declared } from "./mocks";
import { stackConfig } from "./helpers";

const fakeSecret = (value: string) => pulumi.secret(value);

function args(stack: "local" | "production", overrides: Partial<MonitoringArgs> = {}): MonitoringArgs {
    const config = stackConfig(stack);
    return {
        config: config.monitoring,
        environment: config.environment,
        stack,
        namespace: config.kubernetes.monitoringNamespace,
        appNamespace: config.kubernetes.appNamespace,
        secrets:
            stack === "production"
                ? {
                      grafanaAdminPassword: fakeSecret("grafana-test-password"),
                      pagerdutyRoutingKey: fakeSecret("R0UT1NGKEY0000000000000000000000"),
                      slackWebhookUrl: fakeSecret("https://hooks.slack.test/services/T000/B000/XXXX"),
                      ticketWebhookUrl: fakeSecret("https://tickets.example.test/hooks/alertmanager"),
                  }
                : {},
        database: { connectionSecretName: "database-connection", egress: { port: 5432 } },
        ...(stack === "production" ? { aws: { tags: { stack } } } : {}),
        ...overrides,
    };
}

const ofType = (declared: Declared[], type: string) => declared.filter((d) => d.type === type);
const named = (declared: Declared[], type: string, name: string) => {
    const found = declared.filter((d) => d.type === type && d.inputs.metadata?.name === name);
    assert.equal(found.length, 1, `one ${type} ${name}`);
    return found[0];
};
const customResources = (declared: Declared[], kind: string) => ofType(declared, `kubernetes:monitoring.coreos.com/v1:${kind}`);

describe("monitoring: Monitoring component (Pulumi mocks)", () => {
    let production: Declared[];
    let local: Declared[];
    before(async () => {
        production = await declare("production", () => new Monitoring("monitoring", args("production")));
        local = await declare("local", () => new Monitoring("monitoring", args("local")));
    });

    it("installs the pinned kube-prometheus-stack chart into the monitoring namespace", () => {
        const [release] = ofType(production, "kubernetes:helm.sh/v3:Release");
        assert.equal(release.inputs.chart, "kube-prometheus-stack");
        assert.equal(release.inputs.version, kubePrometheusStack.version);
        assert.equal(release.inputs.repositoryOpts.repo, "https://prometheus-community.github.io/helm-charts");
        assert.equal(release.inputs.namespace, "monitoring");
        assert.equal(release.inputs.values.prometheus.prometheusSpec.retention, "30d");
        assert.equal(
            release.inputs.values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName,
            "prometheus-production",
        );
        assert.equal(release.inputs.values["prometheus-node-exporter"].namespaceOverride, "monitoring-node-exporter");
        assert.deepEqual(release.secretInputs, [], "no secret in the Helm values");
    });

    it("every Kubernetes object it declares passes its OpenAPI schema", async () => {
        const objects = [...production, ...local].filter(
            (d) => d.type.startsWith("kubernetes:") && !d.type.startsWith("kubernetes:helm.sh"),
        );
        assert.ok(objects.length > 20);
        for (const o of objects) await validateKubernetesObject(o.inputs);
    });

    it("a schema violation is caught (the validation can fail)", async () => {
        const [monitor] = customResources(production, "ServiceMonitor");
        const broken = { ...monitor.inputs, spec: { ...monitor.inputs.spec, endpoints: [{ port: 9090 }] } };
        await assert.rejects(validateKubernetesObject(broken));
    });

    it("creates one PrometheusRule per rule group holding every alert definition", () => {
        const rules = customResources(production, "PrometheusRule");
        const alerts = rules
            .flatMap((r) => r.inputs.spec.groups.flatMap((g: { rules: Array<{ alert?: string }> }) => g.rules))
            .filter((r: { alert?: string }) => r.alert);
        assert.equal(alerts.length, alertDefinitions(stackConfig("production").monitoring).length);
        for (const r of rules) assert.equal(r.inputs.metadata.namespace, "monitoring");
    });

    it("scrapes the detector as job pneumonia-detector on its metrics port, and the Pushgateway with honorLabels", () => {
        const monitors = customResources(production, "ServiceMonitor");
        const detector = monitors.find((m) => m.inputs.metadata.name === "detector")!;
        assert.equal(detector.inputs.spec.endpoints[0].port, "metrics");
        assert.deepEqual(detector.inputs.spec.endpoints[0].relabelings, [
            { action: "replace", targetLabel: "job", replacement: "pneumonia-detector" },
        ]);
        assert.deepEqual(detector.inputs.spec.namespaceSelector, { matchNames: ["pneumonia"] });
        const pushgateway = monitors.find((m) => m.inputs.metadata.name === "pushgateway")!;
        assert.equal(pushgateway.inputs.spec.endpoints[0].honorLabels, true);
        assert.deepEqual(monitors.map((m) => m.inputs.metadata.name).sort(), ["detector", "mlflow", "postgres-exporter", "pushgateway"]);
    });

    it("keeps the Alertmanager config and the Grafana password secret", () => {
        const alertmanager = named(production, "kubernetes:core/v1:Secret", "alertmanager-pneumonia");
        assert.ok(
            alertmanager.secretInputs.some((p) => p.startsWith("stringData")),
            alertmanager.secretInputs.join(),
        );
        assert.match(alertmanager.inputs.stringData["alertmanager.yaml"], /pagerduty_configs/);
        const grafana = named(production, "kubernetes:core/v1:Secret", "grafana-admin");
        assert.ok(grafana.secretInputs.some((p) => p.startsWith("stringData")));
        const release = ofType(production, "kubernetes:helm.sh/v3:Release")[0];
        assert.equal(release.inputs.values.alertmanager.alertmanagerSpec.configSecret, "alertmanager-pneumonia");
        assert.equal(release.inputs.values.grafana.admin.existingSecret, "grafana-admin");
    });

    it("generates the Grafana password when the config has none", () => {
        assert.equal(ofType(local, "random:index/randomPassword:RandomPassword").length, 1);
        assert.equal(ofType(production, "random:index/randomPassword:RandomPassword").length, 0);
    });

    it("provisions every dashboard as a sidecar ConfigMap", () => {
        const maps = ofType(production, "kubernetes:core/v1:ConfigMap").filter((c) => c.inputs.metadata.labels.grafana_dashboard === "1");
        assert.deepEqual(maps.map((m) => Object.keys(m.inputs.data)[0]).sort(), [
            "pneumonia-capacity.json",
            "pneumonia-detector.json",
            "pneumonia-model.json",
            "pneumonia-platform.json",
        ]);
        for (const m of maps) JSON.parse(Object.values(m.inputs.data)[0] as string);
    });

    it("runs the exporter and the Pushgateway pinned by digest, restricted, with budgets, the exporter off the connection Secret", () => {
        const workloads: Array<[string, string]> = [
            ["kubernetes:apps/v1:Deployment", "postgres-exporter"],
            ["kubernetes:apps/v1:StatefulSet", "pushgateway"],
        ];
        for (const [type, name] of workloads) {
            const workload = named(production, type, name);
            assert.equal(workload.inputs.spec.replicas, 2, `${name}: two replicas in production`);
            assert.equal(named(local, type, name).inputs.spec.replicas, 1);
            const budget = named(production, "kubernetes:policy/v1:PodDisruptionBudget", name);
            assert.deepEqual(budget.inputs.spec.selector.matchLabels, workload.inputs.spec.selector.matchLabels);
            const pod = workload.inputs.spec.template.spec;
            const [container] = pod.containers;
            assert.match(container.image, /:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
        }
        const exporter = named(production, "kubernetes:apps/v1:Deployment", "postgres-exporter");
        assert.equal(exporter.inputs.metadata.namespace, "pneumonia");
        assert.deepEqual(exporter.inputs.spec.template.spec.containers[0].env, [
            { name: "DATA_SOURCE_NAME", valueFrom: { secretKeyRef: { name: "database-connection", key: "uri" } } },
        ]);
        assert.equal(exporter.inputs.spec.template.metadata.labels["pneumonia.io/database-client"], "true");
    });

    it("lets only Prometheus and the backup jobs reach the Pushgateway", () => {
        const policy = named(production, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pushgateway");
        const from = policy.inputs.spec.ingress[0].from;
        assert.deepEqual(
            from
                .map((p: { podSelector: { matchLabels: Record<string, string> } }) => p.podSelector.matchLabels["app.kubernetes.io/name"])
                .sort(),
            ["backup", "prometheus"],
        );
        assert.deepEqual(policy.inputs.spec.egress, []);
    });

    it("opens the chart's pods on top of the default deny", () => {
        const names = ofType(production, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs.metadata.name);
        for (const n of [
            "prometheus",
            "alertmanager",
            "grafana",
            "prometheus-operator",
            "kube-state-metrics",
            "postgres-exporter",
            "pushgateway",
        ]) {
            assert.ok(names.includes(n), n);
        }
    });

    it("snapshots the Prometheus volume hourly in AWS stacks (1 h metrics RPO)", () => {
        const [storageClass] = ofType(production, "kubernetes:storage.k8s.io/v1:StorageClass");
        assert.equal(storageClass.inputs.provisioner, "ebs.csi.aws.com");
        assert.equal(storageClass.inputs.parameters.tagSpecification_1, `${snapshotTagKey}=production`);
        assert.equal(storageClass.inputs.reclaimPolicy, "Retain");
        const [policy] = ofType(production, "aws:dlm/lifecyclePolicy:LifecyclePolicy");
        assert.deepEqual(policy.inputs.policyDetails.targetTags, { [snapshotTagKey]: "production" });
        assert.deepEqual(policy.inputs.policyDetails.resourceTypes, ["VOLUME"]);
        const [schedule] = policy.inputs.policyDetails.schedules;
        assert.equal(schedule.createRule.interval, 1);
        assert.equal(schedule.createRule.intervalUnit, "HOURS");
        assert.equal(schedule.retainRule.count, 48);
        const [role] = ofType(production, "aws:iam/role:Role");
        const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
        assert.equal(trust.Principal.Service, "dlm.amazonaws.com");
        // Only for this account's DLM policies (confused-deputy prevention: aws:SourceAccount and aws:SourceArn).
        const assumes = (context: Record<string, string>) => statementMatches(trust, { action: "sts:AssumeRole", resource: "", context });
        assert.equal(
            assumes({ "aws:SourceAccount": "123456789012", "aws:SourceArn": "arn:aws:dlm:eu-west-1:123456789012:policy/policy-0abc" }),
            true,
        );
        assert.equal(
            assumes({ "aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:dlm:eu-west-1:999999999999:policy/policy-0abc" }),
            false,
        );
        assert.equal(ofType(local, "aws:dlm/lifecyclePolicy:LifecyclePolicy").length, 0);
        assert.equal(ofType(local, "kubernetes:storage.k8s.io/v1:StorageClass").length, 0);
    });

    it("runs node-exporter in its own privileged namespace, not in the restricted one", () => {
        const ns = named(production, "kubernetes:core/v1:Namespace", "monitoring-node-exporter");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.ok(ns.inputs.metadata.annotations[podSecurityExemption]);
        const policy = named(production, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "node-exporter");
        assert.equal(policy.inputs.metadata.namespace, "monitoring-node-exporter");
    });

    it("rejects a database egress that does not open Postgres, naming the component", async () => {
        await assert.rejects(
            declare(
                "local",
                () =>
                    new Monitoring(
                        "monitoring",
                        args("local", { database: { connectionSecretName: "database-connection", egress: { port: 443 } } }),
                    ),
            ),
            /monitoring: database.egress must open the Postgres port 5432, got 443/,
        );
    });
});
