// What the detector hands to monitoring besides the platform's SLO alerts: model quality.
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { modelDashboard, modelQualityAlerts } from "./model-quality";

export const detectorObservability: Contribution<MonitoringSettings> = {
    alerts: modelQualityAlerts,
    dashboards: (config) => [modelDashboard(config)],
};
