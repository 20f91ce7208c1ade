// What the backups hand to monitoring: each kind's freshness, failure and missing-report alerts.
import { backupAlerts } from "./alerts";
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";

export const backupsObservability: Contribution<MonitoringSettings> = { alerts: backupAlerts };
