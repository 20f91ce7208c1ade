// What capacity planning hands to monitoring: the forecasts' recording rules and alerts, and the
// capacity dashboard.
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { capacityDashboard } from "./dashboard";
import { capacityForecastAlerts, capacityRecordingGroups } from "./forecasts";

export const capacityObservability: Contribution<MonitoringSettings> = {
    alerts: capacityForecastAlerts,
    recordingRules: capacityRecordingGroups,
    dashboards: (config, appNamespace) => [capacityDashboard(config, appNamespace)],
};
