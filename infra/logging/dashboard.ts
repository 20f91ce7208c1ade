// The "logs" Grafana dashboard: ingestion volume by app and level, the top error messages, and the
// front door's access log by caller. Every query is LogQL against the provisioned Loki data source.
import { lokiDataSourceUid, type Dashboard } from "../observability/dashboards";

interface LogPanel {
    title: string;
    type: "timeseries" | "table" | "logs" | "barchart";
    expr: string;
    legend?: string;
    /** Metric queries are evaluated at one instant for tables, over the range otherwise. */
    instant?: boolean;
    description?: string;
}

/** The LogQL of each panel; tests parse every one with Grafana's LogQL grammar. */
export const logsDashboardPanels: LogPanel[][] = [
    [
        { title: "Log lines per second by app", type: "timeseries", expr: 'sum by (app) (rate({log_class=~".+"}[5m]))', legend: "{{app}}" },
        {
            title: "Log lines per second by level",
            type: "timeseries",
            expr: 'sum by (level) (rate({log_class=~".+", level=~".+"}[5m]))',
            legend: "{{level}}",
        },
    ],
    [
        {
            title: "Top error messages (1 h)",
            type: "table",
            instant: true,
            expr: 'topk(20, sum by (app, message) (count_over_time({level=~"(?i)(error|critical|fatal)"} | json message="message" | line_format "{{.message}}" [1h])))',
            description: "Error lines of the last hour grouped by their JSON message field.",
        },
        { title: "Detector errors", type: "logs", expr: '{app="detector", level=~"(?i)(error|critical|fatal)"}' },
    ],
    [
        {
            title: "Access by caller and status",
            type: "timeseries",
            expr: 'sum by (client, status) (count_over_time({log_class="access"}[5m]))',
            legend: "{{client}} {{status}}",
        },
        {
            title: "Authentication failures by caller and source",
            type: "timeseries",
            expr: 'sum by (client, client_ip) (count_over_time({log_class="access"} | status=~"401|403" [5m]))',
            legend: "{{client}} {{client_ip}}",
        },
        { title: "Backup job output", type: "logs", expr: '{log_class="backup"}' },
    ],
];

export function logsDashboard(): Dashboard {
    let id = 1;
    const datasource = { type: "loki", uid: lokiDataSourceUid };
    const panels = logsDashboardPanels.flatMap((row, y) =>
        row.map((p, i) => {
            const width = Math.floor(24 / row.length);
            return {
                id: id++,
                type: p.type,
                title: p.title,
                ...(p.description ? { description: p.description } : {}),
                datasource,
                gridPos: { x: i * width, y: y * 9, w: width, h: 9 },
                targets: [
                    {
                        refId: "A",
                        datasource,
                        expr: p.expr,
                        queryType: p.instant ? "instant" : "range",
                        ...(p.legend ? { legendFormat: p.legend } : {}),
                    },
                ],
            };
        }),
    );
    return {
        uid: "pneumonia-logs",
        title: "Pneumonia platform: logs",
        json: {
            uid: "pneumonia-logs",
            title: "Pneumonia platform: logs",
            tags: ["pneumonia-platform", "logs"],
            editable: false,
            schemaVersion: 39,
            time: { from: "now-6h", to: "now" },
            refresh: "1m",
            timezone: "utc",
            panels,
        },
    };
}
