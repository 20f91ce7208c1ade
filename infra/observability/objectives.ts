// The operations manual's numbers (shared/seed/operational-procedures.md), in one place. Alerts,
// recording rules, the health check, canary analysis, load-test thresholds, policies and the docs
// import them from here; nothing else restates them. Section names are the manual's.

/** Monitoring and Alerting, Key Metrics to Monitor. */
export const objectives = {
    /** Service Uptime > 99.9 %: the share of inference requests that must succeed. */
    availability: 0.999,
    /** Inference Success Rate > 99 %. */
    inferenceSuccessRate: 0.99,
    /** Error Rate < 1 %. */
    errorRate: 0.01,
    /** Average Inference Latency < 2 seconds. */
    latencySeconds: 2,
    /** Resource Utilization: CPU < 80 %. */
    cpuPercent: 80,
    /** Resource Utilization: Memory < 85 %. */
    memoryPercent: 85,
    /** Disk Space > 20 % free. */
    diskFreePercent: 20,
} as const;

/** Performance Optimization, Scaling Triggers: plan scaling when one is crossed over its window. */
export const scalingTriggers = {
    cpu: { percent: 70, window: "1w" },
    memory: { percent: 75, window: "1w" },
    latency: { seconds: 1.5, window: "1d" },
    errorRate: { ratio: 0.005, window: "1d" },
} as const;

export const severities = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof severities)[number];

/** Incident Response, Alert Response Time Targets, by the `severity` label. */
export const severityClasses: Record<Severity, { sev: string; response: string }> = {
    critical: { sev: "SEV-1", response: "15 minutes" },
    high: { sev: "SEV-2", response: "1 hour" },
    medium: { sev: "SEV-3", response: "4 hours" },
    low: { sev: "SEV-4", response: "next business day" },
};

/** Backup and Recovery, Recovery Time Objectives, in seconds. */
export const recoveryTimeObjectives = {
    modelService: 30 * 60,
    completeSystem: 2 * 3600,
    dataRecovery: 4 * 3600,
} as const;

/** Backup and Recovery, Recovery Point Objectives, in seconds. */
export const recoveryPointObjectives = {
    configuration: 24 * 3600,
    modelArtifacts: 24 * 3600,
    /** Not in the manual's list for the database; the daily dump gives it the same 24 h. */
    database: 24 * 3600,
    metrics: 3600,
} as const;

/** Deployment Procedures: how long a rollout is watched, in minutes, and the staging load test. */
export const releaseWatch = {
    normalMinutes: 15,
    hotfixMinutes: 30,
    /** `ab -n 100 -c 5 .../predict` in the staging validation. */
    loadTest: { requests: 100, concurrency: 5 },
} as const;

/** Pre-Deployment Checklist: unit tests passing with more than 85 % coverage. */
export const minimumLineCoveragePercent = 85;
