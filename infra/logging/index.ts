export { Logging, type LoggingArgs, type LogStore } from "./component";
export { loggingArtifacts } from "./artifacts";
export { loggingConfigSchema, loggingDefaults, type LoggingConfig } from "./config";
