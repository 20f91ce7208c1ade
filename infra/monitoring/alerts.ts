// The alerts: one typed definition per alert rule, the single source of truth for the
// PrometheusRule objects, the promtool tests, the runbooks and the alert table in the docs.
// Thresholds, scaling triggers and severities are the operations manual's numbers, imported from
// infra/manual.ts; the promtool cases sit just above and just under them.
import { objectives, recoveryTimeObjectives, scalingTriggers, severityClasses, type Severity } from "../manual";
import { edgeAlerts } from "../edge/alerts";
import { loggingPipelineAlerts } from "../logging/alerts";
import { capacityForecastAlerts } from "../capacity/forecasts";
import { securityAlerts } from "../security/key-age";
import type { BackupKind, MonitoringConfig } from "./config";
import { modelQualityAlerts } from "./model-quality";
import { latencyObjectiveSeconds, selector } from "./recording";
import {
    backupSeries,
    detectorInstance,
    detectorTraffic,
    diskSeries,
    gauge,
    upSeries,
    type InputSeries,
    type TrafficPhase,
} from "./series";

// Alert modules and the routing import the severities from here, next to the definitions.
export { severities, severityClasses, type Severity } from "../manual";

/** A share as the manual writes it: 0.999 is "99.9 %". */
export const percent = (ratio: number) => `${Number((ratio * 100).toPrecision(12))} %`;

export type Service = "detector" | "mlflow" | "postgres" | "backups" | "node" | "logging" | "edge";

/** A Prometheus duration such as 90s, 15m, 2h, 1d. */
export type Duration = `${number}${"s" | "m" | "h" | "d" | "w"}`;

export function durationSeconds(d: string): number {
    const match = /^(\d+)([smhdw])$/.exec(d);
    if (!match) throw new Error(`"${d}" is not a duration such as 15m`);
    const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2] as "s" | "m" | "h" | "d" | "w"];
    return Number(match[1]) * unit;
}

export interface Runbook {
    /** What is wrong, in the manual's terms. */
    meaning: string;
    /** Commands to run first, in order. */
    firstCommands: string[];
    mitigation: string[];
    /** When and to whom to escalate. */
    escalation: string;
}

/** One promtool scenario: a history of series and which tiers of this alert fire at `at`. */
export interface AlertCase {
    title: string;
    /** Sample spacing of the series, also the rule evaluation interval of the test. */
    interval: Duration;
    series: InputSeries[];
    at: Duration;
    /** Severities of alerts of this name expected to fire at `at`; [] means none. */
    firing: Severity[];
    /** Labels the alert gets from its expression (besides severity and service). */
    labels: Record<string, string>;
}

export interface AlertDefinition {
    name: string;
    severity: Severity;
    service: Service;
    expr: string;
    for: Duration;
    summary: string;
    description: string;
    runbook: Runbook;
    /** At least one case where this alert fires after its `for` and one just under its threshold where it does not. */
    tests: AlertCase[];
    /**
     * Labels of the only series this rule covers, when one alert needs a rule per series with its
     * own `for` (BackupMissing: one per backup kind, each waiting out that kind's schedule).
     */
    variant?: Record<string, string>;
}

/** A duration in the largest unit that states it exactly (87300 s is 1455m). */
export function durationOf(seconds: number): Duration {
    if (seconds % 3600 === 0) return `${seconds / 3600}h`;
    if (seconds % 60 === 0) return `${seconds / 60}m`;
    return `${seconds}s`;
}

export const slo = {
    availability: objectives.availability,
    /**
     * Of inference requests, the share that must finish within the latency objective. The manual
     * bounds the average; a share of requests is what a burn rate can be computed on.
     */
    latency: 0.99,
};

/** Multi-window multi-burn-rate tiers (Google SRE workbook, ch. 5): page fast burns, ticket slow ones. */
const burnTiers = [
    { severity: "critical", factor: 14.4, long: "1h", short: "5m", for: "2m", budgetSpent: "2 % of the 30-day budget goes in 1 hour" },
    { severity: "high", factor: 6, long: "6h", short: "30m", for: "15m", budgetSpent: "5 % of the 30-day budget goes in 6 hours" },
    { severity: "medium", factor: 3, long: "1d", short: "2h", for: "1h", budgetSpent: "10 % of the 30-day budget goes in a day" },
] as const;

const { critical: sev1, high: sev2, medium: sev3, low: sev4 } = severityClasses;
const escalate = {
    critical: `${sev1.sev}: acknowledge within ${sev1.response}. If the detector is not serving again within ${recoveryTimeObjectives.modelService / 60} minutes (the manual's model service RTO), page the senior engineer, notify stakeholders, and prepare a rollback or hotfix deployment with senior approval.`,
    high: `${sev2.sev}: respond within ${sev2.response}. Escalate to ${sev1.sev} (page the senior engineer) if users see failed or slow predictions for more than ${sev2.response} or a ${sev1.sev} alert joins it.`,
    medium: `${sev3.sev}: handle within ${sev3.response}, in working hours. Escalate to ${sev2.sev} if it worsens to the paging threshold or blocks a deployment.`,
    low: `${sev4.sev}: capacity planning, ${sev4.response}. Raise it in the weekly performance review and the monthly capacity planning assessment; plan scaling before the manual's hard limits (CPU ${objectives.cpuPercent} %, memory ${objectives.memoryPercent} %, latency ${objectives.latencySeconds} s, errors ${percent(objectives.errorRate)}) are reached.`,
};

const kubectlApp = "kubectl -n pneumonia";
const kubectlMonitoring = "kubectl -n monitoring";

const runbooks = {
    detectorDown: {
        meaning:
            `No detector pod is up: Prometheus scrapes no healthy detector target, so /predict is unavailable. Uptime objective (> ${percent(objectives.availability)}) is burning at full speed.`,
        firstCommands: [
            `${kubectlApp} get rollout,pods,endpoints -l app.kubernetes.io/name=detector`,
            `${kubectlApp} describe pods -l app.kubernetes.io/name=detector | tail -n 40`,
            `${kubectlApp} logs -l app.kubernetes.io/name=detector --prefix --since=15m --tail=200`,
            `${kubectlApp} get events --sort-by=.lastTimestamp | tail -n 20`,
        ],
        mitigation: [
            "If the last deployment caused it, roll back: `npm run rollback -- production` (a canary still in progress: `kubectl argo rollouts abort detector -n pneumonia`) and watch `/health`.",
            "If pods are Pending, check node capacity and the HPA (`kubectl -n pneumonia get hpa detector`).",
            "If pods crash while loading the model, check MLflow (MlflowDown) and the model registry.",
            "If pods run but are not scraped, check the ServiceMonitor `detector` and the NetworkPolicy allowing Prometheus on port 9090.",
        ],
        escalation: escalate.critical,
    },
    detectorMetricsAbsent: {
        meaning:
            "The detector is scraped but its contract metrics (inference_total and friends) are missing: every SLO alert is blind. Usually a metrics change in a new detector release.",
        firstCommands: [
            `${kubectlApp} port-forward svc/detector 9090:9090 & curl -s localhost:9090/metrics | grep -E "(inference_total|error_total|inference_duration_seconds|cpu_percent|memory_percent)"`,
            `${kubectlApp} get rollout detector -o jsonpath='{.spec.template.spec.containers[0].image}'`,
        ],
        mitigation: [
            "If the release renamed metrics, roll back the detector or update the metric contract in the stack config (`monitoring.detector`) and redeploy monitoring.",
            "Until fixed, watch /health and the API logs by hand.",
        ],
        escalation: escalate.high,
    },
    errorRate: {
        meaning:
            `More than ${percent(objectives.errorRate)} of inference requests fail (the manual's error-rate limit; inference success rate below ${percent(objectives.inferenceSuccessRate)}).`,
        firstCommands: [
            `${kubectlApp} logs -l app.kubernetes.io/name=detector --prefix --since=15m | grep -iE "error|exception" | tail -n 50`,
            "npm run rollback -- production --list",
            "curl -f http://detector.pneumonia.svc:8000/health",
        ],
        mitigation: [
            "If errors started with a deployment, roll back (`npm run rollback -- production`; a canary still in progress: `kubectl argo rollouts abort detector -n pneumonia`).",
            "If errors come from model loading, check MLflow and Postgres alerts.",
            "If bad inputs cause them, confirm with the logs and open a ticket for input validation.",
        ],
        escalation: escalate.high,
    },
    errorBudget: {
        meaning:
            `Failed inference requests are consuming the ${percent(objectives.availability)} availability SLO's error budget faster than it can last 30 days. The tier says how fast: critical (14.4x) and high (6x) page, medium (3x) tickets.`,
        firstCommands: [
            `${kubectlApp} logs -l app.kubernetes.io/name=detector --prefix --since=1h | grep -iE "error|exception" | tail -n 50`,
            `${kubectlApp} get pods -l app.kubernetes.io/name=detector -o wide`,
            "npm run rollback -- production --list",
        ],
        mitigation: [
            "Roll back a recent deployment first; investigate after the burn stops.",
            "Scale out if errors are timeouts under load (`kubectl -n pneumonia get hpa detector`).",
            "Check MLflow and Postgres if the model cannot be loaded.",
        ],
        escalation: [escalate.critical, escalate.high, escalate.medium].join(" "),
    },
    latencyBudget: {
        meaning:
            `Too many inference requests take longer than the ${objectives.latencySeconds} s objective: the latency SLO (${percent(slo.latency)} within ${objectives.latencySeconds} s) budget burns faster than it can last 30 days.`,
        firstCommands: [
            `${kubectlApp} top pods -l app.kubernetes.io/name=detector`,
            `${kubectlApp} get hpa detector`,
            `${kubectlApp} logs -l app.kubernetes.io/name=detector --prefix --since=30m | tail -n 100`,
        ],
        mitigation: [
            "Scale out: raise the HPA minimum (`detector.replicas`) or `maxReplicas` if it is pinned at the maximum.",
            "Roll back a deployment that changed the model or image.",
            "Check node CPU throttling (DetectorCpuHigh) and noisy neighbours.",
        ],
        escalation: [escalate.critical, escalate.high, escalate.medium].join(" "),
    },
    latencyHigh: {
        meaning: `Average inference latency is above the manual's ${objectives.latencySeconds} second limit.`,
        firstCommands: [
            `${kubectlApp} top pods -l app.kubernetes.io/name=detector`,
            `${kubectlApp} get hpa detector`,
            `${kubectlApp} describe hpa detector | tail -n 20`,
        ],
        mitigation: [
            "Scale out the detector (HPA minimum or maximum replicas).",
            "Roll back a deployment that made inference slower.",
            "Look for CPU limits throttling the pods (container CPU against limit on the detector dashboard).",
        ],
        escalation: escalate.high,
    },
    cpuHigh: {
        meaning: `A detector pod reports CPU above the manual's ${objectives.cpuPercent} % limit for 15 minutes.`,
        firstCommands: [`${kubectlApp} top pods -l app.kubernetes.io/name=detector`, `${kubectlApp} get hpa detector`],
        mitigation: [
            `Check the HPA is scaling (target ${scalingTriggers.cpu.percent} % CPU) and not at maxReplicas; raise maxReplicas if it is.`,
            "If one pod is hot, delete it so the Deployment replaces it.",
        ],
        escalation: escalate.medium,
    },
    memoryHigh: {
        meaning: `A detector pod reports memory above the manual's ${objectives.memoryPercent} % limit: the next step is an OOM kill.`,
        firstCommands: [
            `${kubectlApp} top pods -l app.kubernetes.io/name=detector`,
            `${kubectlApp} get pods -l app.kubernetes.io/name=detector -o jsonpath='{range .items[*]}{.metadata.name} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.reason}{"\\n"}{end}'`,
        ],
        mitigation: [
            "Restart the affected pod (`kubectl -n pneumonia delete pod <pod>`) to reclaim leaked memory.",
            "If all pods are high, raise `detector.resources.limits.memory` in the stack config and deploy.",
        ],
        escalation: escalate.high,
    },
    diskLow: {
        meaning: `A node filesystem has less than the manual's ${objectives.diskFreePercent} % free space.`,
        firstCommands: [
            "kubectl get nodes",
            `${kubectlMonitoring} exec -it sts/prometheus-kube-prometheus-stack-prometheus -c prometheus -- df -h /prometheus`,
            "kubectl describe node <instance> | grep -A5 Conditions",
        ],
        mitigation: [
            "Remove unused images and logs on the node (log rotation per the manual's weekly maintenance).",
            "Grow the volume or move workloads to a larger node group.",
        ],
        escalation: escalate.medium,
    },
    diskCritical: {
        meaning: "A node filesystem has less than 10 % free space: kubelet eviction and write failures are close.",
        firstCommands: ["kubectl get nodes", "kubectl describe node <instance> | grep -A8 Conditions", "kubectl get pods -A -o wide --field-selector spec.nodeName=<instance>"],
        mitigation: [
            "Free space now: prune unused images, rotate and archive logs.",
            "Cordon and drain the node if it cannot be cleaned, then replace it.",
        ],
        escalation: escalate.high,
    },
    mlflowDown: {
        meaning:
            "No MLflow tracking server is up. Running detectors keep serving, but new detector pods cannot load the model and no runs or registry changes can be recorded.",
        firstCommands: [
            `${kubectlApp} get deploy,pods -l app.kubernetes.io/name=mlflow`,
            `${kubectlApp} logs deploy/mlflow --since=15m --tail=200`,
            "curl -f http://mlflow.pneumonia.svc:5000/health",
        ],
        mitigation: [
            "If MLflow cannot reach its database, handle PostgresDown first.",
            "Roll back a recent MLflow image change; restart the Deployment (`kubectl -n pneumonia rollout restart deploy/mlflow`).",
        ],
        escalation: escalate.high,
    },
    postgresDown: {
        meaning:
            "The postgres exporter cannot reach MLflow's database (pg_up is 0), or the exporter itself is gone. MLflow's backend store is unavailable.",
        firstCommands: [
            `${kubectlApp} get pods -l app.kubernetes.io/name=postgres-exporter`,
            `${kubectlApp} logs deploy/postgres-exporter --tail=50`,
            `${kubectlApp} get sts,pods -l app.kubernetes.io/name=postgres`,
            "aws rds describe-db-instances --query 'DBInstances[].[DBInstanceIdentifier,DBInstanceStatus,MultiAZ]'  # production (RDS)",
        ],
        mitigation: [
            "In-cluster: check the postgres pod's volume and events; restart the pod.",
            "RDS: check the instance status and recent events; a Multi-AZ failover completes on its own within minutes.",
            "If data is lost, restore from the latest database backup (see the backups runbooks; data recovery RTO 4 hours).",
        ],
        escalation: escalate.high,
    },
    backupStale: {
        meaning:
            "The last successful backup of this kind is older than its limit: the schedule's longest gap plus the job's deadline (the table above), the latest an on-time run can finish. For the daily kinds the manual's 24-hour RPO (configuration, model artifacts, and the daily database dump) is missed by more than a run takes; for `verify`, the weekly restore test has not passed.",
        firstCommands: [
            `${kubectlApp} get cronjobs,jobs -l app.kubernetes.io/name=backup`,
            `${kubectlApp} logs job/<latest backup job> --tail=100`,
            `${kubectlMonitoring} port-forward svc/pushgateway 9091:9091 & curl -s localhost:9091/metrics | grep pneumonia_backup_`,
        ],
        mitigation: [
            "Run the backup by hand: `kubectl -n pneumonia create job --from=cronjob/backup-<kind> backup-<kind>-manual`.",
            "Fix the cause from the job logs (credentials, bucket policy, database reachability); BackupFailed's runbook lists the runner's failure lines.",
            "If the schedule was changed on purpose, the limit moved with it (docs/backups.md, Schedules and staleness); a schedule longer than the RPO is refused by the config.",
        ],
        escalation: escalate.high,
    },
    backupMissing: {
        meaning:
            "Prometheus has had no successful backup of this kind on record for longer than its limit (the schedule's longest gap plus the job's deadline: the table above): the backup never reported, or the Pushgateway lost its data. A new stack stays quiet until each kind's first run was due, so the weekly verify does not page in the stack's first week.",
        firstCommands: [
            `${kubectlApp} get cronjobs -l app.kubernetes.io/name=backup`,
            `${kubectlMonitoring} get pods -l app.kubernetes.io/name=pushgateway`,
            `${kubectlMonitoring} port-forward svc/pushgateway 9091:9091 & curl -s localhost:9091/metrics | grep pneumonia_backup_`,
        ],
        mitigation: [
            "Check the backup CronJob exists for this kind and that its pods may reach the Pushgateway (NetworkPolicy `pushgateway`).",
            "Run one backup of the kind by hand; its push restores the metric.",
        ],
        escalation: escalate.medium,
    },
    backupFailed: {
        meaning: "The most recent backup run of this kind failed (its failure timestamp is newer than its last success).",
        firstCommands: [`${kubectlApp} get jobs -l app.kubernetes.io/name=backup --sort-by=.status.startTime`, `${kubectlApp} logs job/<failed job> --tail=100`],
        mitigation: [
            "Fix the cause from the logs and rerun the job by hand: `kubectl -n pneumonia create job --from=cronjob/backup-<kind> backup-<kind>-manual`.",
            "`interrupted by SIGTERM`: the Job hit its deadline or the pod was evicted; the upload was aborted and `latest.json` did not move. Check `kubectl -n pneumonia describe job <failed job>` (DeadlineExceeded) and node events.",
            "`lock timeout` (db): a migration or long transaction held an exclusive lock for longer than `PG_LOCK_WAIT_TIMEOUT`; rerun once it has finished.",
            "`holds no objects` (models): `MODELS_BUCKET`/`MODELS_PREFIX` point at an empty place; fix the CronJob's settings. Only if the artifact store is empty on purpose, run once with `--allow-empty`.",
            "`certificate` errors (db, RDS): the image's RDS CA bundle (`PGSSLROOTCERT`) does not cover the server's certificate (CA rotation); rebuild the runner image.",
            "A `verify` failure means a restore test failed: treat the latest backup of that data as unusable until a verify passes.",
        ],
        escalation: escalate.medium,
    },
    capacity: (what: string) => ({
        meaning: `Scaling trigger from the manual's capacity planning: ${what}. Nothing is broken yet; plan capacity before hard limits are reached.`,
        firstCommands: [`${kubectlApp} get hpa detector`, `${kubectlApp} top pods -l app.kubernetes.io/name=detector`],
        mitigation: [
            "Review the trend on the detector dashboard over the last weeks.",
            "Plan the change: more replicas (`detector.replicas`, `detector.maxReplicas`), larger requests/limits, or a model optimization.",
        ],
        escalation: escalate.low,
    }),
} satisfies Record<string, Runbook | ((what: string) => Runbook)>;

/** The manual's trigger windows in words, as the runbooks and descriptions say them. */
const windowWords = { "1w": "a week", "1d": "a day" } as const;
const { cpu, memory, latency, errorRate } = scalingTriggers;
const cpuCapacityRunbook = runbooks.capacity(`detector CPU above ${cpu.percent} % on average over ${windowWords[cpu.window]}`);
const memoryCapacityRunbook = runbooks.capacity(`detector memory above ${memory.percent} % on average over ${windowWords[memory.window]}`);
const latencyCapacityRunbook = runbooks.capacity(`average response time above ${latency.seconds} s over ${windowWords[latency.window]}`);
const errorCapacityRunbook = runbooks.capacity(`error rate above ${percent(errorRate.ratio)} over ${windowWords[errorRate.window]}`);

export function alertDefinitions(config: MonitoringConfig): AlertDefinition[] {
    const m = config.detector;
    const det = selector({ job: m.job });
    const detectorLabels = { job: m.job };
    const requests = 1000;
    const traffic = (...phases: TrafficPhase[]) => detectorTraffic(config, phases);
    const steady = (steps: number, errorRatio: number) => traffic({ steps, requestsPerStep: requests, errorRatio });
    const slowShare = (steps: number, share: number) =>
        traffic({
            steps,
            requestsPerStep: requests,
            latency: [
                { seconds: 0.3, share: 1 - share },
                { seconds: 2.5, share },
            ],
        });
    const withLatency = (steps: number, seconds: number) => traffic({ steps, requestsPerStep: requests, latency: [{ seconds, share: 1 }] });
    const detectorGauge = (metric: string, steps: number, value: number) => [gauge(metric, { job: m.job, instance: detectorInstance }, [{ steps, value }])];
    const up = (job: string, values: number[], steps: number) => values.map((v, i) => upSeries(job, `10.0.1.${i + 1}:9000`, [{ steps, value: v }]));

    const burn = (
        name: string,
        ratio: string,
        objective: number,
        what: string,
        runbook: Runbook,
        shareFor: (steps: number, share: number) => InputSeries[],
    ): AlertDefinition[] => {
        const budget = 1 - objective;
        return burnTiers.map((tier) => {
            const threshold = Number((tier.factor * budget).toFixed(6));
            // Each case starts from an empty history, so the long window fills at once and the
            // tier's `for` decides when it fires; the faster tiers stay below their thresholds.
            const caseMinutes = { critical: 10, high: 25, medium: 70 }[tier.severity];
            // The slow tier reads only 2 h and 1 d windows: 5-minute samples keep the test short.
            const interval: Duration = tier.severity === "medium" ? "5m" : "1m";
            const steps = caseMinutes / durationSeconds(interval) * 60 + 1;
            return {
                name,
                severity: tier.severity,
                service: "detector",
                expr: `job:${ratio}:ratio_rate${tier.long}${det} > ${threshold}\nand\njob:${ratio}:ratio_rate${tier.short}${det} > ${threshold}`,
                for: tier.for,
                summary: `Detector ${what} burns the ${objective * 100} % SLO budget ${tier.factor}x too fast`,
                description: `Over both ${tier.long} and ${tier.short}, more than ${(threshold * 100).toFixed(2)} % of inference requests ${what === "errors" ? "failed" : `took longer than ${latencyObjectiveSeconds} s`}: at this rate ${tier.budgetSpent}.`,
                runbook,
                tests: [
                    {
                        title: `${tier.factor}x burn rate`,
                        interval,
                        series: shareFor(steps, threshold * 1.4),
                        at: `${caseMinutes}m`,
                        firing: [tier.severity],
                        labels: detectorLabels,
                    },
                    {
                        title: "just under the burn rate",
                        interval,
                        series: shareFor(steps, threshold * 0.95),
                        at: `${caseMinutes}m`,
                        firing: [],
                        labels: detectorLabels,
                    },
                ],
            };
        });
    };

    const backupKind = config.backupKinds[0];
    const backupLabels = { job: config.jobs.backups, kind: backupKind };
    const freshness = (kind: BackupKind) => {
        const f = config.backupFreshness[kind];
        if (!f) throw new Error(`monitoring.backupFreshness has no ${kind}`);
        return f;
    };
    const hours = (seconds: number) => `${Math.round((seconds / 3600) * 100) / 100} h`;
    const backupLimits = config.backupKinds.map((kind) => `${kind} ${hours(freshness(kind).maxAgeSeconds)}`).join(", ");
    /**
     * Successes of every kind on its schedule, sampled every `stepSeconds` for `steps` samples:
     * each sample holds the start of the kind's latest run; `stopped` kinds ran once, at 0, and
     * `missing` kinds never report.
     */
    const backupHistory = (stepSeconds: number, steps: number, stopped: BackupKind[] = [], missing: BackupKind[] = []) =>
        config.backupKinds
            .filter((kind) => !missing.includes(kind))
            .map((kind) => {
                const every = stopped.includes(kind) ? Infinity : freshness(kind).intervalSeconds;
                const phases: Array<{ steps: number; value: number }> = [];
                for (let i = 0; i < steps; i++) {
                    const value = Number.isFinite(every) ? Math.floor((i * stepSeconds) / every) * every : 0;
                    const last = phases[phases.length - 1];
                    if (last && last.value === value) last.steps++;
                    else phases.push({ steps: 1, value });
                }
                return backupSeries(config, kind, "success", phases);
            });
    /** Every kind's last success `belowLimit` seconds short of its limit at `atSeconds`. */
    const backupAgesAt = (atSeconds: number, belowLimit: number, stepSeconds: number) =>
        config.backupKinds.map((kind) =>
            backupSeries(config, kind, "success", [{ steps: atSeconds / stepSeconds + 1, value: atSeconds - freshness(kind).maxAgeSeconds + belowLimit }]),
        );
    const longestLimit = Math.max(...config.backupKinds.map((kind) => freshness(kind).maxAgeSeconds));
    const quarterHour = 900;
    /** The first quarter hour after `seconds`: the evaluation step the backup cases use. */
    const quarterAfter = (seconds: number) => (Math.floor(seconds / quarterHour) + 1) * quarterHour;

    const capacity = (
        name: string,
        metricExpr: string,
        threshold: number,
        runbook: Runbook,
        summary: string,
        description: string,
        interval: Duration,
        series: (value: number) => InputSeries[],
        [over, under]: [number, number],
    ): AlertDefinition => {
        const at: Duration = interval === "5m" ? "70m" : "120m";
        return {
            name,
            severity: "low",
            service: "detector",
            expr: `${metricExpr} > ${threshold}`,
            for: "1h",
            summary,
            description,
            runbook,
            tests: [
                { title: "above the scaling trigger", interval, series: series(over), at, firing: ["low"], labels: detectorLabels },
                { title: "just under the scaling trigger", interval, series: series(under), at, firing: [], labels: detectorLabels },
            ],
        };
    };

    return [
        {
            name: "DetectorDown",
            severity: "critical",
            service: "detector",
            expr: `job:up:sum${det} == 0`,
            for: "2m",
            summary: "No detector pod is serving",
            description: `Prometheus has no healthy target of job ${m.job}: the inference API is down or unreachable.`,
            runbook: runbooks.detectorDown,
            tests: [
                { title: "every pod down for 5 minutes", interval: "1m", series: up(m.job, [0, 0], 6), at: "5m", firing: ["critical"], labels: detectorLabels },
                {
                    title: "no target scraped at all",
                    interval: "1m",
                    series: up(config.jobs.mlflow, [1], 6),
                    at: "5m",
                    firing: ["critical"],
                    labels: detectorLabels,
                },
                { title: "one of two pods up", interval: "1m", series: up(m.job, [0, 1], 6), at: "5m", firing: [], labels: detectorLabels },
            ],
        },
        {
            name: "DetectorMetricsAbsent",
            severity: "high",
            service: "detector",
            expr: `absent(${m.inferenceTotal}${det})\nand on()\njob:up:sum${det} > 0`,
            for: "10m",
            summary: "The detector is up but exposes no inference metrics",
            description: `Targets of job ${m.job} are scraped but ${m.inferenceTotal} is missing: SLO alerts cannot see failures or latency.`,
            runbook: runbooks.detectorMetricsAbsent,
            tests: [
                { title: "scraped without contract metrics", interval: "1m", series: up(m.job, [1], 16), at: "15m", firing: ["high"], labels: detectorLabels },
                {
                    title: "scraped with contract metrics",
                    interval: "1m",
                    series: [...up(m.job, [1], 16), ...steady(16, 0)],
                    at: "15m",
                    firing: [],
                    labels: detectorLabels,
                },
            ],
        },
        {
            name: "DetectorErrorRateHigh",
            severity: "high",
            service: "detector",
            expr: `job:inference_errors:ratio_rate5m${det} > ${objectives.errorRate}`,
            for: "5m",
            summary: `More than ${percent(objectives.errorRate)} of inference requests fail`,
            description: `The detector's error rate over 5 minutes is above the manual's ${percent(objectives.errorRate)} limit (inference success rate below ${percent(objectives.inferenceSuccessRate)}).`,
            runbook: runbooks.errorRate,
            tests: [
                { title: "3x the limit for 15 minutes", interval: "1m", series: steady(16, objectives.errorRate * 3), at: "15m", firing: ["high"], labels: detectorLabels },
                { title: "just under the limit", interval: "1m", series: steady(16, objectives.errorRate * 0.9), at: "15m", firing: [], labels: detectorLabels },
            ],
        },
        ...burn("DetectorErrorBudgetBurn", "inference_errors", slo.availability, "errors", runbooks.errorBudget, (steps, share) => steady(steps, share)),
        ...burn("DetectorLatencyBudgetBurn", "inference_slow", slo.latency, "slow requests", runbooks.latencyBudget, slowShare),
        {
            name: "DetectorLatencyHigh",
            severity: "high",
            service: "detector",
            expr: `job:${m.inferenceDuration}:avg5m${det} > ${latencyObjectiveSeconds}`,
            for: "10m",
            summary: `Average inference latency is above ${latencyObjectiveSeconds} seconds`,
            description: `The detector's average inference latency over 5 minutes is above the manual's ${latencyObjectiveSeconds} s limit.`,
            runbook: runbooks.latencyHigh,
            tests: [
                { title: "0.5 s over the limit for 20 minutes", interval: "1m", series: withLatency(21, latencyObjectiveSeconds + 0.5), at: "20m", firing: ["high"], labels: detectorLabels },
                { title: "0.1 s under the limit", interval: "1m", series: withLatency(21, latencyObjectiveSeconds - 0.1), at: "20m", firing: [], labels: detectorLabels },
            ],
        },
        {
            name: "DetectorCpuHigh",
            severity: "medium",
            service: "detector",
            expr: `job:${m.cpuPercent}:max${det} > ${objectives.cpuPercent}`,
            for: "15m",
            summary: `A detector pod uses more than ${objectives.cpuPercent} % CPU`,
            description: `A detector pod has reported CPU above the manual's ${objectives.cpuPercent} % limit for 15 minutes.`,
            runbook: runbooks.cpuHigh,
            tests: [
                { title: "5 points over the limit", interval: "1m", series: detectorGauge(m.cpuPercent, 21, objectives.cpuPercent + 5), at: "20m", firing: ["medium"], labels: detectorLabels },
                { title: "1 point under the limit", interval: "1m", series: detectorGauge(m.cpuPercent, 21, objectives.cpuPercent - 1), at: "20m", firing: [], labels: detectorLabels },
            ],
        },
        {
            name: "DetectorMemoryHigh",
            severity: "high",
            service: "detector",
            expr: `job:${m.memoryPercent}:max${det} > ${objectives.memoryPercent}`,
            for: "10m",
            summary: `A detector pod uses more than ${objectives.memoryPercent} % memory`,
            description: `A detector pod has reported memory above the manual's ${objectives.memoryPercent} % limit for 10 minutes; an OOM kill is next.`,
            runbook: runbooks.memoryHigh,
            tests: [
                { title: "5 points over the limit", interval: "1m", series: detectorGauge(m.memoryPercent, 16, objectives.memoryPercent + 5), at: "15m", firing: ["high"], labels: detectorLabels },
                { title: "1 point under the limit", interval: "1m", series: detectorGauge(m.memoryPercent, 16, objectives.memoryPercent - 1), at: "15m", firing: [], labels: detectorLabels },
            ],
        },
        {
            name: "NodeDiskSpaceLow",
            severity: "medium",
            service: "node",
            expr: `instance_mountpoint:node_filesystem_avail:ratio < ${objectives.diskFreePercent / 100}`,
            for: "15m",
            summary: `Less than ${objectives.diskFreePercent} % disk space free on {{ $labels.instance }} {{ $labels.mountpoint }}`,
            description: `A node filesystem has had less than the manual's ${objectives.diskFreePercent} % free space for 15 minutes.`,
            runbook: runbooks.diskLow,
            tests: [
                {
                    title: "half the required free space",
                    interval: "1m",
                    series: diskSeries(config, [{ steps: 21, freeRatio: objectives.diskFreePercent / 200 }]),
                    at: "20m",
                    firing: ["medium"],
                    labels: { instance: "node-a", mountpoint: "/" },
                },
                {
                    title: "1 point more free than required",
                    interval: "1m",
                    series: diskSeries(config, [{ steps: 21, freeRatio: (objectives.diskFreePercent + 1) / 100 }]),
                    at: "20m",
                    firing: [],
                    labels: { instance: "node-a", mountpoint: "/" },
                },
            ],
        },
        {
            name: "NodeDiskSpaceCritical",
            severity: "high",
            service: "node",
            expr: "instance_mountpoint:node_filesystem_avail:ratio < 0.10",
            for: "5m",
            summary: "Less than 10 % disk space free on {{ $labels.instance }} {{ $labels.mountpoint }}",
            description: "A node filesystem has had less than 10 % free space for 5 minutes: evictions and write failures are close.",
            runbook: runbooks.diskCritical,
            tests: [
                {
                    title: "5 % free",
                    interval: "1m",
                    series: diskSeries(config, [{ steps: 11, freeRatio: 0.05 }]),
                    at: "10m",
                    firing: ["high"],
                    labels: { instance: "node-a", mountpoint: "/" },
                },
                {
                    title: "10.5 % free",
                    interval: "1m",
                    series: diskSeries(config, [{ steps: 11, freeRatio: 0.105 }]),
                    at: "10m",
                    firing: [],
                    labels: { instance: "node-a", mountpoint: "/" },
                },
            ],
        },
        {
            name: "MlflowDown",
            severity: "high",
            service: "mlflow",
            expr: `job:up:sum${selector({ job: config.jobs.mlflow })} == 0`,
            for: "5m",
            summary: "No MLflow tracking server is up",
            description: "MLflow is down or unreachable: new detector pods cannot load the model and runs cannot be recorded.",
            runbook: runbooks.mlflowDown,
            tests: [
                { title: "MLflow down for 10 minutes", interval: "1m", series: up(config.jobs.mlflow, [0], 11), at: "10m", firing: ["high"], labels: { job: config.jobs.mlflow } },
                { title: "one of two MLflow pods up", interval: "1m", series: up(config.jobs.mlflow, [0, 1], 11), at: "10m", firing: [], labels: { job: config.jobs.mlflow } },
            ],
        },
        {
            name: "PostgresDown",
            severity: "high",
            service: "postgres",
            expr: `job:pg_up:min${selector({ job: config.jobs.postgres })} == 0`,
            for: "5m",
            summary: "MLflow's Postgres database is unreachable",
            description: "The postgres exporter reports the database down (pg_up 0), or the exporter is not scraped at all.",
            runbook: runbooks.postgresDown,
            tests: [
                {
                    title: "pg_up 0 for 10 minutes",
                    interval: "1m",
                    series: [gauge("pg_up", { job: config.jobs.postgres, instance: "10.0.2.1:9187" }, [{ steps: 11, value: 0 }])],
                    at: "10m",
                    firing: ["high"],
                    labels: { job: config.jobs.postgres },
                },
                { title: "exporter gone", interval: "1m", series: up(config.jobs.mlflow, [1], 11), at: "10m", firing: ["high"], labels: { job: config.jobs.postgres } },
                {
                    title: "pg_up 1",
                    interval: "1m",
                    series: [gauge("pg_up", { job: config.jobs.postgres, instance: "10.0.2.1:9187" }, [{ steps: 11, value: 1 }])],
                    at: "10m",
                    firing: [],
                    labels: { job: config.jobs.postgres },
                },
            ],
        },
        {
            name: "BackupStale",
            severity: "high",
            service: "backups",
            // One limit per kind, from its schedule (infra/backups/schedule.ts). No `for`: the age only
            // grows until a success resets it, and the limit already includes the run's deadline.
            expr: config.backupKinds
                .map((kind) => `job_kind:pneumonia_backup_age_seconds:max${selector({ kind })} > ${freshness(kind).maxAgeSeconds}`)
                .join("\nor\n"),
            for: "0m",
            summary: "No successful {{ $labels.kind }} backup within its schedule and deadline",
            description: `The last successful {{ $labels.kind }} backup is older than the kind's schedule plus its job's deadline (${backupLimits}): the run that should have succeeded by now has not, and for a daily kind the 24-hour RPO is missed.`,
            runbook: runbooks.backupStale,
            tests: [
                {
                    title: "daily kinds fresh every day and verify weekly, for 8 days",
                    interval: "1h",
                    series: backupHistory(3600, 193),
                    at: "192h",
                    firing: [],
                    labels: backupLabels,
                },
                ...config.backupKinds.map(
                    (kind): AlertCase => ({
                        title: `the last ${kind} backup ${hours(Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds)))} ago, the others on schedule`,
                        interval: "15m",
                        series: backupHistory(quarterHour, Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds)) / quarterHour + 1, [kind]),
                        at: durationOf(Math.max(27 * 3600, quarterAfter(freshness(kind).maxAgeSeconds))),
                        firing: ["high"],
                        labels: { job: config.jobs.backups, kind },
                    }),
                ),
                {
                    title: "every kind's last success one step under its limit",
                    interval: "15m",
                    series: backupAgesAt(quarterAfter(longestLimit), quarterHour, quarterHour),
                    at: durationOf(quarterAfter(longestLimit)),
                    firing: [],
                    labels: backupLabels,
                },
            ],
        },
        // One rule per kind: `for` is per rule, and each kind waits out its own schedule, so a new
        // stack is quiet until the kind's first run was due (a week for verify).
        ...config.backupKinds.map(
            (kind): AlertDefinition => ({
                name: "BackupMissing",
                severity: "medium",
                service: "backups",
                variant: { kind },
                expr: `absent(pneumonia_backup_last_success_timestamp_seconds${selector({ job: config.jobs.backups, kind })})`,
                for: durationOf(freshness(kind).maxAgeSeconds),
                summary: "No successful {{ $labels.kind }} backup on record",
                description: `Prometheus has no successful ${kind} backup on record for ${hours(freshness(kind).maxAgeSeconds)} (its schedule's longest gap plus its job's deadline): it never ran, or the Pushgateway lost its data.`,
                runbook: runbooks.backupMissing,
                tests: [
                    {
                        title: `${kind} never reported, past its limit`,
                        interval: "15m",
                        series: backupHistory(quarterHour, quarterAfter(freshness(kind).maxAgeSeconds) / quarterHour + 1, [], [kind]),
                        at: durationOf(quarterAfter(freshness(kind).maxAgeSeconds)),
                        firing: ["medium"],
                        labels: { job: config.jobs.backups, kind },
                    },
                    {
                        title: `a new stack before ${kind}'s first run was due`,
                        interval: "15m",
                        series: backupHistory(quarterHour, quarterAfter(freshness(kind).maxAgeSeconds) / quarterHour - 1, [], [kind]),
                        at: durationOf(quarterAfter(freshness(kind).maxAgeSeconds) - 2 * quarterHour),
                        firing: [],
                        labels: { job: config.jobs.backups, kind },
                    },
                ],
            }),
        ),
        {
            name: "BackupFailed",
            severity: "medium",
            service: "backups",
            expr: "job_kind:pneumonia_backup_last_failure_timestamp_seconds:max\n> on(job, kind)\njob_kind:pneumonia_backup_last_success_timestamp_seconds:max",
            for: "1m",
            summary: "The last {{ $labels.kind }} backup failed",
            description: "The most recent {{ $labels.kind }} backup run failed after the last successful one.",
            runbook: runbooks.backupFailed,
            tests: [
                {
                    title: "failure after the last success",
                    interval: "1m",
                    series: [
                        backupSeries(config, backupKind, "success", [{ steps: 6, value: 1000 }]),
                        backupSeries(config, backupKind, "failure", [{ steps: 6, value: 5000 }]),
                    ],
                    at: "5m",
                    firing: ["medium"],
                    labels: backupLabels,
                },
                {
                    title: "success after the last failure",
                    interval: "1m",
                    series: [
                        backupSeries(config, backupKind, "success", [{ steps: 6, value: 5000 }]),
                        backupSeries(config, backupKind, "failure", [{ steps: 6, value: 1000 }]),
                    ],
                    at: "5m",
                    firing: [],
                    labels: backupLabels,
                },
            ],
        },
        capacity(
            "DetectorCpuCapacity",
            `avg_over_time(job:${m.cpuPercent}:avg${det}[${cpu.window}])`,
            cpu.percent,
            cpuCapacityRunbook,
            `Detector CPU averages above ${cpu.percent} % over ${windowWords[cpu.window]}: plan scaling`,
            `The manual's CPU scaling trigger (> ${cpu.percent} % average over ${windowWords[cpu.window]}) is reached.`,
            "30m",
            (v) => detectorGauge(m.cpuPercent, 7, v),
            [cpu.percent + 2, cpu.percent - 1],
        ),
        capacity(
            "DetectorMemoryCapacity",
            `avg_over_time(job:${m.memoryPercent}:avg${det}[${memory.window}])`,
            memory.percent,
            memoryCapacityRunbook,
            `Detector memory averages above ${memory.percent} % over ${windowWords[memory.window]}: plan scaling`,
            `The manual's memory scaling trigger (> ${memory.percent} % average over ${windowWords[memory.window]}) is reached.`,
            "30m",
            (v) => detectorGauge(m.memoryPercent, 7, v),
            [memory.percent + 2, memory.percent - 1],
        ),
        capacity(
            "DetectorLatencyCapacity",
            `job:${m.inferenceDuration}:avg${latency.window}${det}`,
            latency.seconds,
            latencyCapacityRunbook,
            `Detector response time averages above ${latency.seconds} s over ${windowWords[latency.window]}: plan scaling`,
            `The manual's response-time scaling trigger (> ${latency.seconds} s average over ${windowWords[latency.window]}) is reached.`,
            "5m",
            (v) => withLatency(15, v),
            [latency.seconds + 0.1, latency.seconds - 0.1],
        ),
        capacity(
            "DetectorErrorRateCapacity",
            `job:inference_errors:ratio_rate${errorRate.window}${det}`,
            errorRate.ratio,
            errorCapacityRunbook,
            `Detector error rate above ${percent(errorRate.ratio)} over ${windowWords[errorRate.window]}: plan remediation`,
            `The manual's error-rate scaling trigger (> ${percent(errorRate.ratio)} over ${windowWords[errorRate.window]}) is reached.`,
            "5m",
            (v) => steady(15, v),
            [errorRate.ratio * 1.1, errorRate.ratio * 0.9],
        ),
        ...loggingPipelineAlerts(),
        ...edgeAlerts(),
        ...securityAlerts(),
        ...modelQualityAlerts(config),
        ...capacityForecastAlerts(config),
    ];
}
