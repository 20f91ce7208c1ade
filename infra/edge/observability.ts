// What the front door hands to monitoring: its probe, certificate, rejection and WAF alerts.
import type { MonitoringConfig } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { edgeAlerts } from "./alerts";

export const edgeObservability: Contribution<MonitoringConfig> = { alerts: () => edgeAlerts() };
