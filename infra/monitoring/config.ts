// Monitoring settings: the metric contract the alerts and dashboards are written against, and
// the sizing of kube-prometheus-stack. Thresholds are not here: they are the manual's numbers and
// live with the alert definitions (infra/monitoring/alerts.ts).
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { int, storageQuantity } from "../platform/schema";
import { modelQualityConfigSchema, modelQualityDefaults } from "./model-quality-config";
import type { Contribution } from "../observability/contribution";

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name such as inference_total");
const jobName = z.string().regex(/^[a-zA-Z0-9_.-]{1,63}$/, "a Prometheus job name such as pneumonia-detector");

/** What the detector exposes on its metrics port; the README documents these defaults. */
const detectorMetricsSchema = z
    .object({
        /** The `job` label Prometheus gives the detector's targets. */
        job: jobName,
        /** Counter of inference requests, successful or not. */
        inferenceTotal: metricName,
        /** Counter of failed inference requests (a subset of inferenceTotal). */
        errorTotal: metricName,
        /** Histogram of inference latency in seconds; its buckets must include 1.5 and 2. */
        inferenceDuration: metricName,
        cpuPercent: metricName,
        memoryPercent: metricName,
    })
    .strict();

const jobsSchema = z
    .object({
        mlflow: jobName,
        postgres: jobName,
        /** Job label the backup runner pushes to the Pushgateway with (contract with backups). */
        backups: jobName,
        nodeExporter: jobName,
    })
    .strict();

/** The intervals Data Lifecycle Manager accepts for an hourly create rule. */
const dlmIntervals = [1, 2, 3, 4, 6, 8, 12, 24];
const dlmIntervalError = `one of ${dlmIntervals.join(", ")}`;

export const backupKinds = ["db", "models", "config", "verify"] as const;

export const monitoringConfigSchema = z
    .object({
        /** Prometheus TSDB retention, e.g. 15d. */
        retention: z.string().regex(/^\d+[dhw]$/, "a duration such as 15d"),
        storageSize: storageQuantity,
        detector: detectorMetricsSchema,
        modelQuality: modelQualityConfigSchema,
        jobs: jobsSchema,
        /**
         * Where the repository is browsed, e.g. https://github.com/org/repo/blob/main: alerts link
         * `<base>/docs/runbooks/<AlertName>.md`. Unset, the link is that path relative to the repository.
         */
        runbookBaseUrl: z
            .string()
            .regex(/^https:\/\/\S+[^/]$/, "an https URL without a trailing slash")
            .optional(),
        /**
         * The stack pages people: `pulumi up` refuses to run without every Alertmanager receiver
         * secret (pagerdutyRoutingKey, slackWebhookUrl, ticketWebhookUrl). Production by default.
         */
        paged: z.boolean({ error: "true or false" }),
        /** When SEV-4 (low) notifications go out: the next business day's working hours. */
        businessHours: z
            .object({
                /** IANA time zone of the on-call team, e.g. Europe/Dublin. */
                location: z.string().regex(/^(UTC|Local|[A-Z][A-Za-z_]+(\/[A-Za-z_+-]+)+)$/, "an IANA time zone such as Europe/Dublin"),
                start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time such as 09:00"),
                end: z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, "a time such as 17:00"),
            })
            .strict(),
        /** Backup kinds whose freshness is alerted on, each pushed with grouping label `kind`. */
        backupKinds: z.array(z.enum(backupKinds, { error: `one of ${backupKinds.join(", ")}` })).min(1),
        /**
         * The 1 h metrics RPO in AWS stacks: hourly EBS snapshots of the Prometheus volume by Data
         * Lifecycle Manager. Ignored in stacks without AWS (a laptop stack keeps no metrics RPO).
         */
        metricsSnapshots: z
            .object({
                enabled: z.boolean({ error: "true or false" }),
                /** Hours between snapshots: a DLM interval (1, 2, 3, 4, 6, 8, 12 or 24); 1 meets the RPO. */
                intervalHours: z.number({ error: dlmIntervalError }).refine((n) => dlmIntervals.includes(n), { error: dlmIntervalError }),
                /** Snapshots kept; 48 hourly snapshots are two days of restore points. */
                retainCount: int(1, 1000),
            })
            .strict(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.metricsSnapshots.enabled && c.metricsSnapshots.intervalHours > 1) {
            ctx.addIssue({
                code: "custom",
                path: ["metricsSnapshots", "intervalHours"],
                message: "1: the manual's metrics RPO is 1 hour",
            });
        }
        if (c.businessHours.start >= c.businessHours.end) {
            ctx.addIssue({
                code: "custom",
                path: ["businessHours", "end"],
                message: `a time after businessHours.start (${c.businessHours.start})`,
            });
        }
        if (new Set(c.backupKinds).size !== c.backupKinds.length) {
            ctx.addIssue({ code: "custom", path: ["backupKinds"], message: "each kind once" });
        }
    });
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;
export type DetectorMetrics = MonitoringConfig["detector"];
export type BackupKind = (typeof backupKinds)[number];

/** How often a backup kind runs and how old its last success may get: the backup alerts' limits. */
export interface BackupFreshness {
    /** The schedule's longest gap between two runs. */
    intervalSeconds: number;
    /** The gap plus the run's deadline: the latest an on-time run can finish. Past it, the run that should have succeeded has not. */
    maxAgeSeconds: number;
}

/** The monitoring section as the alerts read it: the settings plus what other sections decide. */
export interface MonitoringSettings extends MonitoringConfig {
    /** Per alerted backup kind, how often it runs and how old its last success may get (from backups.schedules). */
    backupFreshness: Partial<Record<BackupKind, BackupFreshness>>;
    /** The stack's capacity section (infra/capacity/config.ts): the forecast horizon. */
    capacity?: { forecastDays: number };
    /** What the other capabilities hand to monitoring (infra/contributions.ts), rendered after its own. */
    contributions: Contribution<MonitoringSettings>[];
}

export function monitoringDefaults(env: Environment): MonitoringConfig {
    return {
        retention: env === "production" ? "30d" : "7d",
        paged: env === "production",
        storageSize: env === "local" ? "5Gi" : "50Gi",
        detector: {
            job: "pneumonia-detector",
            inferenceTotal: "inference_total",
            errorTotal: "error_total",
            inferenceDuration: "inference_duration_seconds",
            cpuPercent: "cpu_percent",
            memoryPercent: "memory_percent",
        },
        modelQuality: modelQualityDefaults(),
        jobs: { mlflow: "mlflow", postgres: "postgres-exporter", backups: "pneumonia-backup", nodeExporter: "node-exporter" },
        businessHours: { location: "UTC", start: "09:00", end: "17:00" },
        backupKinds: [...backupKinds],
        metricsSnapshots: { enabled: env !== "local", intervalHours: 1, retainCount: 48 },
    };
}
