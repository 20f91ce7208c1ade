// Grafana dashboards as data: panels laid out in rows, each with the manual's limit drawn on it.
// Every capability builds its dashboards from these and hands them to monitoring.
interface Target {
    expr: string;
    legend: string;
}

export interface PanelSpec {
    title: string;
    kind: "timeseries" | "stat";
    unit: string;
    targets: Target[];
    /** Red from this value up (or down, with `below`): the manual's limit drawn on the panel. */
    limit?: { value: number; below?: boolean };
    description?: string;
    /** Data links on the panel's series (e.g. to the same pod's logs). */
    links?: Array<{ title: string; url: string }>;
}

export interface Dashboard {
    uid: string;
    title: string;
    json: Record<string, unknown>;
}

/** A row is 24 grid units wide; panels of a row share it equally. */
function layout(rows: PanelSpec[][]): Record<string, unknown>[] {
    let id = 1;
    return rows.flatMap((row, y) =>
        row.map((p, i) => {
            const width = Math.floor(24 / row.length);
            const thresholds = p.limit
                ? p.limit.below
                    ? [
                          { color: "red", value: null },
                          { color: "green", value: p.limit.value },
                      ]
                    : [
                          { color: "green", value: null },
                          { color: "red", value: p.limit.value },
                      ]
                : [{ color: "green", value: null }];
            return {
                id: id++,
                type: p.kind,
                title: p.title,
                ...(p.description ? { description: p.description } : {}),
                datasource: { type: "prometheus", uid: "prometheus" },
                gridPos: { x: i * width, y: y * 8, w: width, h: 8 },
                fieldConfig: {
                    defaults: {
                        unit: p.unit,
                        ...(p.links ? { links: p.links } : {}),
                        thresholds: { mode: "absolute", steps: thresholds },
                        ...(p.kind === "timeseries" ? { custom: { thresholdsStyle: { mode: p.limit ? "line" : "off" } } } : {}),
                    },
                    overrides: [],
                },
                options:
                    p.kind === "stat"
                        ? { reduceOptions: { calcs: ["lastNotNull"] }, colorMode: "background" }
                        : { legend: { displayMode: "list" } },
                targets: p.targets.map((t, n) => ({
                    refId: String.fromCharCode(65 + n),
                    datasource: { type: "prometheus", uid: "prometheus" },
                    expr: t.expr,
                    legendFormat: t.legend,
                })),
            };
        }),
    );
}

export function dashboard(uid: string, title: string, rows: PanelSpec[][]): Dashboard {
    return {
        uid,
        title,
        json: {
            uid,
            title,
            tags: ["pneumonia-platform"],
            editable: false,
            schemaVersion: 39,
            time: { from: "now-6h", to: "now" },
            refresh: "1m",
            timezone: "utc",
            panels: layout(rows),
        },
    };
}

/** The Loki data source Grafana is provisioned with (infra/monitoring/values.ts, grafana.additionalDataSources). */
export const lokiDataSourceUid = "loki";

/**
 * A Grafana data link from a metric series with a `pod` label to that pod's logs in Explore, over
 * the panel's time range. Grafana interpolates `${__field.labels.pod}`, `${__from}` and `${__to}`
 * in data link URLs (Grafana docs, "Data links": field and time range variables), so they stay
 * unencoded between the encoded parts of Explore's `panes` parameter.
 */
export function podLogsLink(namespace: string, app: string): { title: string; url: string } {
    const panes = encodeURIComponent(
        JSON.stringify({
            a: {
                datasource: lokiDataSourceUid,
                queries: [
                    {
                        refId: "A",
                        expr: `{namespace="${namespace}", app="${app}", pod="__POD__"}`,
                        datasource: { type: "loki", uid: lokiDataSourceUid },
                    },
                ],
                range: { from: "__FROM__", to: "__TO__" },
            },
        }),
    );
    // The placeholders survive encoding (letters and underscores) and become Grafana's variables.
    const url = `/explore?schemaVersion=1&orgId=1&panes=${panes}`
        .replace("__POD__", "${__field.labels.pod}")
        .replace("__FROM__", "${__from}")
        .replace("__TO__", "${__to}");
    return { title: "Logs of this pod", url };
}
