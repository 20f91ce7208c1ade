// What security operations hand to monitoring: the SEV-4 alert on edge API keys due for rotation
// (its per-key recording rules are declared by the Security component from the stack's config).
import type { MonitoringSettings } from "../monitoring/config";
import type { Contribution } from "../observability/contribution";
import { securityAlerts } from "./key-age";

export const securityObservability: Contribution<MonitoringSettings> = { alerts: () => securityAlerts() };
