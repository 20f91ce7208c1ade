// Grafana's Loki data source, provisioned through kube-prometheus-stack's grafana.additionalDataSources
// (Grafana's data source provisioning format). Loki runs in Grafana's namespace behind the
// `loki-query` Service, whatever its mode, so the URL is the same in every stack.
import { lokiDataSourceUid } from "../observability/dashboards";
import { lokiPorts, lokiQueryService } from "./values";

export const lokiDataSources = [
    {
        name: "Loki",
        type: "loki",
        uid: lokiDataSourceUid,
        access: "proxy",
        url: `http://${lokiQueryService}:${lokiPorts.http}`,
        isDefault: false,
        editable: false,
        jsonData: { maxLines: 1000, timeout: 60 },
    },
];
