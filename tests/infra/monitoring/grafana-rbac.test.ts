// Least privilege for Grafana, read from the chart's side: the RBAC objects the grafana chart
// renders from our values, and the RBAC the platform declares itself. No platform workload may
// read Secrets cluster-wide.
//
// The grafana chart is kube-prometheus-stack 88.5.3's dependency at 12.11.1 (its Chart.yaml). Its
// templates/clusterrole.yaml renders a ClusterRole when `rbac.create and (not rbac.namespaced or
// rbac.extraClusterRoleRules) and not rbac.useExistingClusterRole`, granting get/watch/list on
// configmaps and secrets when any sidecar (dashboards, datasources, plugins, alerts) is enabled;
// templates/role.yaml renders that rule as a Role in its own namespace (plus rbac.namespaces) when
// `rbac.namespaced`. templates/_pod.tpl sets a sidecar's NAMESPACE from `searchNamespace`, joined
// by ","; unset, the sidecar watches its own namespace. No Helm here: these conditions, as the
// templates state them at that version, are what the test evaluates.
import { strict as assert } from "node:assert";
import { plan, resourcesOf, stacks } from "../../helpers/plan";

/** Defaults of the values the templates read: grafana 12.11.1 values.yaml, then kube-prometheus-stack 88.5.3's `grafana:` block. */
const chartDefaults = {
    rbac: {
        create: true,
        namespaced: false,
        namespaces: [] as string[],
        extraRoleRules: [] as unknown[],
        extraClusterRoleRules: [] as unknown[],
    },
    sidecar: {
        dashboards: { enabled: true, searchNamespace: "ALL" as unknown },
        datasources: { enabled: true, searchNamespace: null as unknown },
        plugins: { enabled: false },
        alerts: { enabled: false },
    },
};

interface RenderedRbac {
    kind: "ClusterRole" | "Role";
    namespace?: string;
    rules: { resources: string[]; verbs: string[] }[];
}

/** The RBAC objects templates/clusterrole.yaml and templates/role.yaml render for `values` in `namespace`. */
function renderGrafanaRbac(values: any, namespace: string): RenderedRbac[] {
    const rbac = { ...chartDefaults.rbac, ...values.rbac };
    const sidecar = Object.fromEntries(
        Object.entries(chartDefaults.sidecar).map(([k, v]) => [k, { ...v, ...(values.sidecar?.[k] ?? {}) }]),
    ) as typeof chartDefaults.sidecar;
    const anySidecar = sidecar.dashboards.enabled || sidecar.datasources.enabled || sidecar.plugins.enabled || sidecar.alerts.enabled;
    const sidecarRule = { resources: ["configmaps", "secrets"], verbs: ["get", "watch", "list"] };
    const out: RenderedRbac[] = [];
    if (rbac.create && (!rbac.namespaced || rbac.extraClusterRoleRules.length > 0) && !rbac.useExistingClusterRole) {
        out.push({ kind: "ClusterRole", rules: anySidecar ? [sidecarRule] : [] });
    }
    if (rbac.create && !rbac.useExistingRole && rbac.namespaced) {
        const roleSidecar = sidecar.dashboards.enabled || sidecar.datasources.enabled || sidecar.plugins.enabled;
        for (const ns of [...rbac.namespaces, namespace])
            out.push({ kind: "Role", namespace: ns, rules: roleSidecar ? [sidecarRule] : [] });
    }
    return out;
}

/** Namespaces a sidecar watches: its searchNamespace list joined, or its own namespace. */
function watched(searchNamespace: unknown, namespace: string): string[] {
    if (searchNamespace === null || searchNamespace === undefined || searchNamespace === "") return [namespace];
    return ([searchNamespace].flat() as string[]).join(",").split(",");
}

const readsSecrets = (rules: { resources?: string[]; apiGroups?: string[] }[]) =>
    rules.some((r) => (r.apiGroups ?? [""]).includes("") && (r.resources ?? []).some((res) => res === "secrets" || res === "*"));

describe("monitoring: Grafana RBAC as the grafana chart renders it", () => {
    it("the model of the templates grants cluster-wide Secret reads for the chart's defaults (the case that must fail)", () => {
        const rendered = renderGrafanaRbac({}, "monitoring");
        assert.ok(rendered.some((r) => r.kind === "ClusterRole" && readsSecrets(r.rules)));
        assert.deepEqual(watched(chartDefaults.sidecar.dashboards.searchNamespace, "monitoring"), ["ALL"]);
    });

    for (const stack of stacks) {
        it(`${stack}: Grafana reads ConfigMaps and Secrets only in the monitoring namespace, where every dashboard is`, async () => {
            const p = await plan(stack);
            const release = resourcesOf(p, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kube-prometheus-stack");
            const grafana = (release!.inputs.values as any).grafana;
            const namespace = release!.inputs.namespace as string;
            const rendered = renderGrafanaRbac(grafana, namespace);
            assert.deepEqual(
                rendered.filter((r) => r.kind === "ClusterRole"),
                [],
            );
            assert.deepEqual(
                rendered.map((r) => `${r.kind}/${r.namespace}`),
                [`Role/${namespace}`],
            );
            assert.deepEqual(watched(grafana.sidecar.dashboards.searchNamespace, namespace), [namespace]);
            assert.deepEqual(watched(grafana.sidecar.datasources?.searchNamespace ?? null, namespace), [namespace]);
            const dashboards = resourcesOf(p, "kubernetes:core/v1:ConfigMap").filter(
                (c) => (c.inputs as any).metadata?.labels?.grafana_dashboard === "1",
            );
            assert.ok(dashboards.length >= 2);
            for (const d of dashboards) assert.equal((d.inputs as any).metadata.namespace, namespace, d.name);
        });

        it(`${stack}: no ClusterRole the platform declares reads Secrets`, async () => {
            const p = await plan(stack);
            for (const role of resourcesOf(p, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")) {
                assert.ok(!readsSecrets((role.inputs as any).rules ?? []), role.name);
            }
        });
    }
});
