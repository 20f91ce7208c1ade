// What a capability hands to monitoring: its alerts (with their runbooks), recording rules,
// dashboards and Grafana data sources. infra/contributions.ts lists every capability's, in the
// order they are rendered; monitoring renders, tests and routes them without importing any.
import type { AlertDefinition } from "./alerts";
import type { Dashboard } from "./dashboards";
import type { RecordingRule, RuleGroup } from "./rules";

export interface Contribution<C> {
    /** Alert definitions, each with its runbook and promtool cases. */
    alerts?: (config: C) => AlertDefinition[];
    recordingRules?: (config: C) => RuleGroup<RecordingRule>[];
    dashboards?: (config: C, appNamespace: string) => Dashboard[];
    /** Grafana data sources besides Prometheus (Grafana's provisioning format). */
    dataSources?: Record<string, unknown>[];
}
