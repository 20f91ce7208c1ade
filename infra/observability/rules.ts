// Prometheus rule vocabulary: recording rules, rule groups and label selectors, as every
// capability writes its expressions and monitoring renders them.
export interface RecordingRule {
    record: string;
    expr: string;
}

export interface RuleGroup<R> {
    name: string;
    rules: R[];
}

export function selector(labels: Record<string, string>): string {
    return `{${Object.entries(labels)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}}`;
}
