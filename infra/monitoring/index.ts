export { Monitoring, type MonitoringArgs } from "./component";
export { monitoringArtifacts, type Artifact } from "./artifacts";
export { monitoringConfigSchema, monitoringDefaults, type MonitoringSettings } from "./config";
