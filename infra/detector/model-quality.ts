// Model quality: the manual's "model accuracy and drift" tracking, from the detector contract's
// prediction metrics (prediction_total{class}, prediction_confidence histogram, model_info{version}).
// Two SEV-3 alerts, drift of the share of positive (pneumonia) predictions over a day away from the
// 7-day baseline before it, and a drop of the mean confidence against the same baseline, and the
// "model" dashboard (daily volume, positive rate, confidence distribution, model version).
import type { AlertDefinition, Runbook } from "../observability/alerts";
import type { MonitoringSettings } from "../monitoring/config";
import type { Dashboard, PanelSpec } from "../observability/dashboards";
import { dashboard } from "../observability/dashboards";
import { objectives } from "../observability/objectives";
import { loadTestJobLabel, loadTestMetrics } from "../release/load-test-result";
import { selector } from "../observability/rules";
import { counterValues, type InputSeries, series } from "../observability/series";

/** Metric names the model dashboard and alerts read (the dashboard test's allow-list). */
export function modelQualityMetrics(config: MonitoringSettings): string[] {
    const q = config.modelQuality;
    return [
        q.predictionTotal,
        q.modelInfo,
        ...["bucket", "sum", "count"].map((s) => `${q.predictionConfidence}_${s}`),
        ...Object.values(loadTestMetrics),
    ];
}

const kubectlApp = "kubectl -n pneumonia";

const runbooks = {
    drift: {
        meaning:
            "The share of pneumonia predictions over the last day has moved outside the configured band around the 7 days before it. Either the incoming X-rays changed (a new site, scanner or season) or the model changed how it classifies them. Predictions may be systematically wrong.",
        firstCommands: [
            `${kubectlApp} get rollout detector -o jsonpath='{.spec.template.spec.containers[0].image}'`,
            "kubectl argo rollouts get rollout detector -n pneumonia   # a release in the last day?",
            'Open the Grafana dashboard "Model quality": positive rate against its baseline, model version, volume.',
        ],
        mitigation: [
            "If the shift started with a model or image release, roll back (`npm run rollback -- production`) and compare.",
            "If the traffic changed (new source, new scanner), have the ML team review a sample of recent predictions before trusting them.",
            "Record the finding in the model registry (MLflow) run of the serving version.",
        ],
        escalation: "SEV-3: handle within 4 hours, in working hours. Escalate to SEV-2 and the ML lead if sampled predictions are wrong.",
    },
    confidence: {
        meaning:
            "The detector's mean confidence over the last day fell below its 7-day baseline by more than the configured drop: the model is less sure of its answers, typically because inputs look different from its training data.",
        firstCommands: [
            'Open the Grafana dashboard "Model quality": confidence distribution and mean, model version, volume.',
            `${kubectlApp} logs -l app.kubernetes.io/name=detector --since=1h | tail -n 100`,
        ],
        mitigation: [
            "If a release preceded it, roll back (`npm run rollback -- production`).",
            "Otherwise sample recent low-confidence inputs with the ML team; plan retraining if the inputs changed.",
        ],
        escalation: "SEV-3: handle within 4 hours, in working hours. Escalate to SEV-2 and the ML lead if predictions are wrong.",
    },
} satisfies Record<string, Runbook>;

export function modelQualityAlerts(config: MonitoringSettings): AlertDefinition[] {
    const q = config.modelQuality;
    const job = config.detector.job;
    const all = selector({ job });
    const positive = selector({ job, class: q.positiveClass });
    const sum = (expr: string) => `sum by (job) (${expr})`;
    const volume = `${sum(`increase(${q.predictionTotal}${all}[1d])`)} >= ${q.minDailyPredictions}`;
    // The day judged, and the seven days before it as the baseline.
    const today = "[1d]";
    const baseline = "[7d] offset 1d";
    const positiveShare = (window: string) =>
        `${sum(`increase(${q.predictionTotal}${positive}${window})`)}\n  / ${sum(`increase(${q.predictionTotal}${all}${window})`)}`;
    const meanConfidence = (window: string) =>
        `${sum(`increase(${q.predictionConfidence}_sum${all}${window})`)}\n  / ${sum(`increase(${q.predictionConfidence}_count${all}${window})`)}`;
    const labels = { job };

    /** Eight days of hourly samples: seven of baseline, then the day judged. */
    const days = (
        baseline: { perHour: number; value: number },
        today: { perHour: number; value: number },
        make: (phases: Array<{ perHour: number; value: number }>) => InputSeries[],
    ) =>
        make([
            { perHour: baseline.perHour, value: baseline.value },
            { perHour: today.perHour, value: today.value },
        ]);
    const instance = { job, instance: "10.0.0.11:9090" };
    const predictions = (phases: Array<{ perHour: number; value: number }>) => [
        series(
            q.predictionTotal,
            { ...instance, class: q.positiveClass },
            counterValues([
                { steps: 7 * 24, value: phases[0]!.perHour * phases[0]!.value },
                { steps: 25, value: phases[1]!.perHour * phases[1]!.value },
            ]),
        ),
        series(
            q.predictionTotal,
            { ...instance, class: "normal" },
            counterValues([
                { steps: 7 * 24, value: phases[0]!.perHour * (1 - phases[0]!.value) },
                { steps: 25, value: phases[1]!.perHour * (1 - phases[1]!.value) },
            ]),
        ),
    ];
    const confidences = (phases: Array<{ perHour: number; value: number }>) => [
        ...predictions(phases.map((p) => ({ perHour: p.perHour, value: 0.3 }))),
        series(
            `${q.predictionConfidence}_sum`,
            instance,
            counterValues([
                { steps: 7 * 24, value: phases[0]!.perHour * phases[0]!.value },
                { steps: 25, value: phases[1]!.perHour * phases[1]!.value },
            ]),
        ),
        series(
            `${q.predictionConfidence}_count`,
            instance,
            counterValues([
                { steps: 7 * 24, value: phases[0]!.perHour },
                { steps: 25, value: phases[1]!.perHour },
            ]),
        ),
    ];
    const band = q.positiveShareBand;
    const drop = q.confidenceDrop;
    return [
        {
            name: "ModelPredictionDrift",
            severity: "medium",
            service: "detector",
            expr: `abs(\n  ${positiveShare(today)}\n  -\n  ${positiveShare(baseline)}\n) > ${band}\nand on (job)\n${volume}`,
            for: "1h",
            summary: "The share of pneumonia predictions drifted from its 7-day baseline",
            description: `Over the last day the share of ${q.positiveClass} predictions is more than ${band} away from the 7 days before it (at least ${q.minDailyPredictions} predictions).`,
            runbook: runbooks.drift,
            tests: [
                {
                    title: "30 % positive for a week, then 45 %",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.3 }, { perHour: 100, value: 0.45 }, predictions),
                    at: "8d",
                    firing: ["medium"],
                    labels,
                },
                {
                    title: "30 % positive for a week, then 15 %",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.3 }, { perHour: 100, value: 0.15 }, predictions),
                    at: "8d",
                    firing: ["medium"],
                    labels,
                },
                {
                    title: "30 % then 38 %: inside the band",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.3 }, { perHour: 100, value: 0.38 }, predictions),
                    at: "8d",
                    firing: [],
                    labels,
                },
                {
                    title: "a 45 % day with too few predictions to judge",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.3 }, { perHour: 2, value: 0.45 }, predictions),
                    at: "8d",
                    firing: [],
                    labels,
                },
            ],
        },
        {
            name: "ModelConfidenceDrop",
            severity: "medium",
            service: "detector",
            expr: `(\n  ${meanConfidence(baseline)}\n  -\n  ${meanConfidence(today)}\n) > ${drop}\nand on (job)\n${volume}`,
            for: "1h",
            summary: "The detector's mean confidence dropped below its 7-day baseline",
            description: `Over the last day the mean prediction confidence is more than ${drop} below the 7 days before it (at least ${q.minDailyPredictions} predictions).`,
            runbook: runbooks.confidence,
            tests: [
                {
                    title: "0.90 mean for a week, then 0.75",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.9 }, { perHour: 100, value: 0.75 }, confidences),
                    at: "8d",
                    firing: ["medium"],
                    labels,
                },
                {
                    title: "0.90 then 0.82: within the allowed drop",
                    interval: "1h",
                    series: days({ perHour: 100, value: 0.9 }, { perHour: 100, value: 0.82 }, confidences),
                    at: "8d",
                    firing: [],
                    labels,
                },
            ],
        },
    ];
}

/** The manual's daily inference volume and accuracy trends. */
export function modelDashboard(config: MonitoringSettings): Dashboard {
    const q = config.modelQuality;
    const all = selector({ job: config.detector.job });
    const positive = selector({ job: config.detector.job, class: q.positiveClass });
    const loadTest = selector({ job: loadTestJobLabel });
    const panels: PanelSpec[][] = [
        [
            {
                title: "Daily inference volume",
                kind: "timeseries",
                unit: "short",
                targets: [{ expr: `sum(increase(${q.predictionTotal}${all}[1d]))`, legend: "predictions per day" }],
            },
            {
                title: "Positive (pneumonia) rate",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    {
                        expr: `sum(increase(${q.predictionTotal}${positive}[1d])) / sum(increase(${q.predictionTotal}${all}[1d]))`,
                        legend: "last day",
                    },
                    {
                        expr: `sum(increase(${q.predictionTotal}${positive}[7d] offset 1d)) / sum(increase(${q.predictionTotal}${all}[7d] offset 1d))`,
                        legend: "7-day baseline",
                    },
                ],
                description: `ModelPredictionDrift fires when the last day leaves the baseline ± ${q.positiveShareBand}.`,
            },
        ],
        [
            {
                title: "Confidence distribution",
                kind: "timeseries",
                unit: "short",
                targets: [{ expr: `sum by (le) (increase(${q.predictionConfidence}_bucket${all}[1h]))`, legend: "≤ {{le}}" }],
                description: "Predictions per hour at or below each confidence bucket (cumulative).",
            },
            {
                title: "Mean confidence",
                kind: "timeseries",
                unit: "percentunit",
                targets: [
                    {
                        expr: `sum(increase(${q.predictionConfidence}_sum${all}[1d])) / sum(increase(${q.predictionConfidence}_count${all}[1d]))`,
                        legend: "last day",
                    },
                    {
                        expr: `sum(increase(${q.predictionConfidence}_sum${all}[7d] offset 1d)) / sum(increase(${q.predictionConfidence}_count${all}[7d] offset 1d))`,
                        legend: "7-day baseline",
                    },
                ],
                description: `ModelConfidenceDrop fires when the last day is more than ${q.confidenceDrop} below the baseline.`,
            },
        ],
        [
            {
                title: "Model version",
                kind: "timeseries",
                unit: "short",
                targets: [{ expr: `count by (version) (${q.modelInfo}${all} == 1)`, legend: "{{version}}" }],
                description: "Pods serving each model version.",
            },
        ],
        // The staging load test of each release (the Pushgateway keeps the latest; image in the legend).
        [
            {
                title: "Load test p95 (staging)",
                kind: "stat",
                unit: "s",
                targets: [{ expr: `max by (image) (${loadTestMetrics.p95Seconds}${loadTest})`, legend: "{{image}}" }],
                limit: { value: objectives.latencySeconds },
            },
            {
                title: "Load test errors (staging)",
                kind: "stat",
                unit: "percentunit",
                targets: [{ expr: `max by (image) (${loadTestMetrics.errorRatio}${loadTest})`, legend: "{{image}}" }],
                limit: { value: objectives.errorRate },
            },
            {
                title: "Load test passed (staging)",
                kind: "stat",
                unit: "short",
                targets: [{ expr: `max by (image) (${loadTestMetrics.passed}${loadTest})`, legend: "{{image}}" }],
                limit: { value: 1, below: true },
            },
            {
                title: "Load test requests (staging)",
                kind: "stat",
                unit: "short",
                targets: [{ expr: `max by (image) (${loadTestMetrics.requests}${loadTest})`, legend: "{{image}}" }],
            },
        ],
    ];
    return dashboard("pneumonia-model", "Pneumonia detector: model quality", panels);
}
