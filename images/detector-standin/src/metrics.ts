// The detector contract's metrics (docs/detector-contract.md), written in the Prometheus text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). A few
// counters, gauges and histograms do not need a client library.

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`);
    return pairs.length ? `{${pairs.join(",")}}` : "";
}

function key(labels: Labels): string {
    return JSON.stringify(Object.entries(labels).sort());
}

interface Family {
    name: string;
    help: string;
    type: "counter" | "gauge" | "histogram";
    lines(): string[];
}

export class Counter implements Family {
    readonly type = "counter";
    readonly name: string;
    readonly help: string;
    private readonly values = new Map<string, { labels: Labels; value: number }>();
    constructor(name: string, help: string, initial: Labels[] = [{}]) {
        this.name = name;
        this.help = help;
        // Series exist from the start at 0, so that rate() sees the first increment.
        for (const labels of initial) this.values.set(key(labels), { labels, value: 0 });
    }
    inc(labels: Labels = {}): void {
        const entry = this.values.get(key(labels)) ?? { labels, value: 0 };
        entry.value += 1;
        this.values.set(key(labels), entry);
    }
    lines(): string[] {
        return [...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${e.value}`);
    }
}

export class Gauge implements Family {
    readonly type = "gauge";
    readonly name: string;
    readonly help: string;
    private readonly read: () => Array<{ labels: Labels; value: number }>;
    constructor(name: string, help: string, read: () => Array<{ labels: Labels; value: number }>) {
        this.name = name;
        this.help = help;
        this.read = read;
    }
    lines(): string[] {
        return this.read().map((s) => `${this.name}${labelText(s.labels)} ${s.value}`);
    }
}

export class Histogram implements Family {
    readonly type = "histogram";
    readonly name: string;
    readonly help: string;
    private readonly buckets: number[];
    private readonly counts: number[];
    private sum = 0;
    private count = 0;
    constructor(name: string, help: string, buckets: number[]) {
        this.name = name;
        this.help = help;
        this.buckets = buckets;
        this.counts = buckets.map(() => 0);
    }
    observe(value: number): void {
        this.buckets.forEach((bound, i) => {
            if (value <= bound) this.counts[i] += 1;
        });
        this.sum += value;
        this.count += 1;
    }
    lines(): string[] {
        return [
            ...this.buckets.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.counts[i]}`),
            `${this.name}_bucket{le="+Inf"} ${this.count}`,
            `${this.name}_sum ${this.sum}`,
            `${this.name}_count ${this.count}`,
        ];
    }
}

export class Registry {
    private readonly families: Family[] = [];
    register<F extends Family>(family: F): F {
        this.families.push(family);
        return family;
    }
    exposition(): string {
        return `${this.families.flatMap((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.lines()]).join("\n")}\n`;
    }
}

/** Content type of the text format, as Prometheus' scrape negotiation expects it. */
export const expositionContentType = "text/plain; version=0.0.4; charset=utf-8";
