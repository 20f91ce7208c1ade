// What the log pipeline hands to monitoring: the pipeline's own alerts (metric-based, unlike the
// log alerts Loki's ruler evaluates) and Grafana's Loki data source.
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { loggingPipelineAlerts } from "./alerts";
import { lokiDataSources } from "./datasource";

export const loggingObservability: Contribution<MonitoringSettings> = {
    alerts: () => loggingPipelineAlerts(),
    dataSources: lokiDataSources,
};
