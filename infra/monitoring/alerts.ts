// The alerts: monitoring's own (the detector's SLOs and scaling triggers, MLflow, Postgres, the
// nodes), then those the other capabilities hand in (infra/contributions.ts). One typed definition
// per alert rule, the single source of truth for the PrometheusRule objects, the promtool tests,
// the runbooks and the alert table in the docs.
// Thresholds, scaling triggers and severities are the operations manual's numbers, imported from
// infra/observability/objectives.ts; the promtool cases sit just above and just under them.
import { percent, durationSeconds, type AlertDefinition, type Duration, type Runbook } from "../observability/alerts";
import { objectives, scalingTriggers } from "../observability/objectives";
import { escalate } from "../observability/runbook";
import type { MonitoringSettings } from "./config";
import { latencyObjectiveSeconds } from "./recording";
import { selector } from "../observability/rules";
import { detectorInstance, detectorTraffic, diskSeries, type TrafficPhase } from "./series";
import { gauge, type InputSeries, upSeries } from "../observability/series";

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

const kubectlApp = "kubectl -n pneumonia";
const kubectlMonitoring = "kubectl -n monitoring";

const runbooks = {
    detectorDown: {
        meaning: `No detector pod is up: Prometheus scrapes no healthy detector target, so /predict is unavailable. Uptime objective (> ${percent(objectives.availability)}) is burning at full speed.`,
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
        meaning: `More than ${percent(objectives.errorRate)} of inference requests fail (the manual's error-rate limit; inference success rate below ${percent(objectives.inferenceSuccessRate)}).`,
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
        meaning: `Failed inference requests are consuming the ${percent(objectives.availability)} availability SLO's error budget faster than it can last 30 days. The tier says how fast: critical (14.4x) and high (6x) page, medium (3x) tickets.`,
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
        meaning: `Too many inference requests take longer than the ${objectives.latencySeconds} s objective: the latency SLO (${percent(slo.latency)} within ${objectives.latencySeconds} s) budget burns faster than it can last 30 days.`,
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
        firstCommands: [
            "kubectl get nodes",
            "kubectl describe node <instance> | grep -A8 Conditions",
            "kubectl get pods -A -o wide --field-selector spec.nodeName=<instance>",
        ],
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

export function alertDefinitions(config: MonitoringSettings): AlertDefinition[] {
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
    const detectorGauge = (metric: string, steps: number, value: number) => [
        gauge(metric, { job: m.job, instance: detectorInstance }, [{ steps, value }]),
    ];
    const up = (job: string, values: number[], steps: number) =>
        values.map((v, i) => upSeries(job, `10.0.1.${i + 1}:9000`, [{ steps, value: v }]));

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
            const steps = (caseMinutes / durationSeconds(interval)) * 60 + 1;
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
                {
                    title: "every pod down for 5 minutes",
                    interval: "1m",
                    series: up(m.job, [0, 0], 6),
                    at: "5m",
                    firing: ["critical"],
                    labels: detectorLabels,
                },
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
                {
                    title: "scraped without contract metrics",
                    interval: "1m",
                    series: up(m.job, [1], 16),
                    at: "15m",
                    firing: ["high"],
                    labels: detectorLabels,
                },
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
                {
                    title: "3x the limit for 15 minutes",
                    interval: "1m",
                    series: steady(16, objectives.errorRate * 3),
                    at: "15m",
                    firing: ["high"],
                    labels: detectorLabels,
                },
                {
                    title: "just under the limit",
                    interval: "1m",
                    series: steady(16, objectives.errorRate * 0.9),
                    at: "15m",
                    firing: [],
                    labels: detectorLabels,
                },
            ],
        },
        ...burn("DetectorErrorBudgetBurn", "inference_errors", slo.availability, "errors", runbooks.errorBudget, (steps, share) =>
            steady(steps, share),
        ),
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
                {
                    title: "0.5 s over the limit for 20 minutes",
                    interval: "1m",
                    series: withLatency(21, latencyObjectiveSeconds + 0.5),
                    at: "20m",
                    firing: ["high"],
                    labels: detectorLabels,
                },
                {
                    title: "0.1 s under the limit",
                    interval: "1m",
                    series: withLatency(21, latencyObjectiveSeconds - 0.1),
                    at: "20m",
                    firing: [],
                    labels: detectorLabels,
                },
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
                {
                    title: "5 points over the limit",
                    interval: "1m",
                    series: detectorGauge(m.cpuPercent, 21, objectives.cpuPercent + 5),
                    at: "20m",
                    firing: ["medium"],
                    labels: detectorLabels,
                },
                {
                    title: "1 point under the limit",
                    interval: "1m",
                    series: detectorGauge(m.cpuPercent, 21, objectives.cpuPercent - 1),
                    at: "20m",
                    firing: [],
                    labels: detectorLabels,
                },
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
                {
                    title: "5 points over the limit",
                    interval: "1m",
                    series: detectorGauge(m.memoryPercent, 16, objectives.memoryPercent + 5),
                    at: "15m",
                    firing: ["high"],
                    labels: detectorLabels,
                },
                {
                    title: "1 point under the limit",
                    interval: "1m",
                    series: detectorGauge(m.memoryPercent, 16, objectives.memoryPercent - 1),
                    at: "15m",
                    firing: [],
                    labels: detectorLabels,
                },
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
                {
                    title: "MLflow down for 10 minutes",
                    interval: "1m",
                    series: up(config.jobs.mlflow, [0], 11),
                    at: "10m",
                    firing: ["high"],
                    labels: { job: config.jobs.mlflow },
                },
                {
                    title: "one of two MLflow pods up",
                    interval: "1m",
                    series: up(config.jobs.mlflow, [0, 1], 11),
                    at: "10m",
                    firing: [],
                    labels: { job: config.jobs.mlflow },
                },
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
                {
                    title: "exporter gone",
                    interval: "1m",
                    series: up(config.jobs.mlflow, [1], 11),
                    at: "10m",
                    firing: ["high"],
                    labels: { job: config.jobs.postgres },
                },
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
        // What the other capabilities hand to monitoring (infra/contributions.ts), in that order.
        ...config.contributions.flatMap((c) => c.alerts?.(config) ?? []),
    ];
}
