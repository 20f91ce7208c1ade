// The model-quality settings (`monitoring.modelQuality`): the metric names of the detector
// contract's quality metrics and the drift bands. Apart from the alerts and dashboard in
// model-quality.ts, so the monitoring config section imports no alert or dashboard module.
import { z } from "zod";
import { int } from "../platform/schema";

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name such as prediction_total");
const share = z
    .number({ error: "a number from 0 to 1" })
    .min(0, { error: "a number from 0 to 1" })
    .max(1, { error: "a number from 0 to 1" });

export const modelQualityConfigSchema = z
    .object({
        /** Counter of predictions by `class` (contract: pneumonia | normal). */
        predictionTotal: metricName,
        /** Histogram of the returned confidence (0..1). */
        predictionConfidence: metricName,
        /** Gauge = 1 labelled with the serving model's `version`. */
        modelInfo: metricName,
        /** The `class` label value of a positive prediction. */
        positiveClass: z.string().min(1),
        /** Drift: alert when the day's positive share is further than this from the 7-day baseline (absolute share, 0.10 = 10 points). */
        positiveShareBand: share,
        /** Alert when the day's mean confidence is this much below the 7-day baseline's (absolute). */
        confidenceDrop: share,
        /** Fewer predictions in the day than this: too few to judge, no alert. */
        minDailyPredictions: int(1),
    })
    .strict();
export type ModelQualityConfig = z.infer<typeof modelQualityConfigSchema>;

export function modelQualityDefaults(): ModelQualityConfig {
    return {
        predictionTotal: "prediction_total",
        predictionConfidence: "prediction_confidence",
        modelInfo: "model_info",
        positiveClass: "pneumonia",
        positiveShareBand: 0.1,
        confidenceDrop: 0.1,
        minDailyPredictions: 100,
    };
}
