// What each capability hands to monitoring ({ alerts, recordingRules, dashboards, dataSources }),
// in the order monitoring renders them after its own. Monitoring imports no capability: the
// list reaches it inside its settings (MonitoringSettings.contributions), composed here.
import { backupsObservability } from "./backups/observability";
import type { BackupsConfig } from "./backups/config";
import { backupFreshness } from "./backups/schedule";
import type { CapacityConfig } from "./capacity/config";
import { capacityObservability } from "./capacity/observability";
import { detectorObservability } from "./detector/observability";
import { edgeObservability } from "./edge/observability";
import { loggingObservability } from "./logging/observability";
import type { MonitoringSettings, MonitoringConfig } from "./monitoring/config";
import type { Contribution } from "./observability/contribution";
import { securityObservability } from "./security/observability";

export const contributions: Contribution<MonitoringSettings>[] = [
    backupsObservability,
    loggingObservability,
    edgeObservability,
    securityObservability,
    detectorObservability,
    capacityObservability,
];

/** Completes the monitoring settings with the backup limits its schedules set, the forecast horizon and the contributions. */
export function monitoringSettings(
    settings: MonitoringConfig,
    backupSchedules: BackupsConfig["schedules"],
    capacity?: CapacityConfig,
): MonitoringSettings {
    return {
        ...settings,
        backupFreshness: backupFreshness(backupSchedules, settings.backupKinds),
        ...(capacity ? { capacity } : {}),
        contributions,
    };
}
