// What the front door hands to monitoring: its probe, certificate, rejection and WAF alerts.
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { edgeAlerts } from "./alerts";

export const edgeObservability: Contribution<MonitoringSettings> = { alerts: () => edgeAlerts() };
