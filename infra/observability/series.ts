// Synthetic metric histories in promtool's input_series notation: counters and gauges built from
// phases, so each alert's test reads like its scenario.
import { selector } from "./rules";

export interface InputSeries {
    series: string;
    values: string;
}

/** A stretch of `steps` samples during which a gauge holds `value` or a counter grows by `perStep`. */
export interface Phase {
    steps: number;
    value: number;
}

function round(n: number): string {
    return String(Math.round(n * 1e6) / 1e6);
}

/** `a+bxn` segments, one per phase, each continuing where the previous one stopped. */
export function counterValues(phases: Phase[]): string {
    let current = 0;
    return phases
        .map(({ steps, value }) => {
            const segment = `${round(current)}+${round(value)}x${steps - 1}`;
            current += value * steps;
            return segment;
        })
        .join(" ");
}

export function gaugeValues(phases: Phase[]): string {
    return phases.map(({ steps, value }) => `${round(value)}x${steps - 1}`).join(" ");
}

export function series(metric: string, labels: Record<string, string>, values: string): InputSeries {
    return { series: `${metric}${selector(labels)}`, values };
}

export function gauge(metric: string, labels: Record<string, string>, phases: Phase[]): InputSeries {
    return series(metric, labels, gaugeValues(phases));
}

export function upSeries(job: string, instance: string, phases: Phase[]): InputSeries {
    return gauge("up", { job, instance }, phases);
}
