// Reads the Prometheus text exposition format (0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/)
// far enough to check the detector contract's metrics: each family's TYPE and its samples.

export interface Sample {
    name: string;
    labels: Record<string, string>;
    value: number;
}

export interface Exposition {
    /** `# TYPE` per family name. */
    types: Map<string, string>;
    samples: Sample[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function parseLabels(text: string, line: string): Record<string, string> {
    const labels: Record<string, string> = {};
    labelPair.lastIndex = 0;
    let consumed = 0;
    for (let m = labelPair.exec(text); m; m = labelPair.exec(text)) {
        labels[m[1]!] = m[2]!.replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
        consumed = labelPair.lastIndex;
    }
    if (consumed !== text.length) throw new Error(`unreadable labels in metrics line: ${line}`);
    return labels;
}

export function parseExposition(text: string): Exposition {
    const types = new Map<string, string>();
    const samples: Sample[] = [];
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line) continue;
        if (line.startsWith("#")) {
            const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
            if (type) types.set(type[1]!, type[2]!);
            continue;
        }
        const m = sampleLine.exec(line);
        if (!m) throw new Error(`unreadable metrics line: ${line}`);
        samples.push({ name: m[1]!, labels: m[2] ? parseLabels(m[2], line) : {}, value: Number(m[3]) });
    }
    return { types, samples };
}

/** Samples of one series name, optionally filtered by labels. */
export function samplesOf(e: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
    return e.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** Sum of a series' samples (0 when absent). */
export function total(e: Exposition, name: string): number {
    return samplesOf(e, name).reduce((sum, s) => sum + s.value, 0);
}
