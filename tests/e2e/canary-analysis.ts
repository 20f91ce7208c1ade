// One measurement of the canary's analysis, as Argo Rollouts takes it, against a real Prometheus:
// the AnalysisTemplate objects exactly as a stack's plan renders them, their `{{args.<name>}}`
// resolved, each metric's query sent to Prometheus's HTTP API, and its successCondition /
// failureCondition evaluated on the result.
//
// Argo Rollouts, analysis (arguments, conditions): https://argo-rollouts.readthedocs.io/en/stable/features/analysis/
//   - "Analysis Template Arguments": a template declares `args` and references them as `{{args.<name>}}`;
//     the controller resolves every reference (argo-rollouts v1.9.0 utils/analysis/helpers.go
//     ResolveArgs, utils/template: a reference to an argument without a value is an error).
//   - a measurement: success and failure conditions both unset → Successful; only successCondition →
//     Failed when it is false; only failureCondition → Successful when it is false; both set and
//     neither true → Inconclusive; failureCondition true wins (v1.9.0 utils/evaluate/evaluate.go EvaluateResult).
// Prometheus provider: https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/ ("prometheus
//   queries return results in the form of a vector. So it is common to access the index 0 of the
//   returned array"): a vector result is the array of its samples' values (v1.9.0
//   metricproviders/prometheus/prometheus.go processResponse), a scalar one a number.
//
// The conditions are expr-lang (https://expr-lang.org/docs/language-definition). The evaluator below
// supports exactly what our templates use (`len(...)`, `isNaN(...)`, `result`, `result[<int>]`,
// numbers, `==` `!=` `<` `<=` `>` `>=`, `&&` `||`, parentheses) and refuses anything else by name, so a
// template that starts using more fails here rather than being half-understood.
import type { Plan } from "../../src/plan/run";

const templateType = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";

export interface AnalysisMetric {
    template: string;
    name: string;
    query: string;
    successCondition?: string;
    failureCondition?: string;
}

/** Every metric of every AnalysisTemplate in the plan, its query's `{{args.<name>}}` resolved from `values`. */
export function renderedAnalysisMetrics(plan: Plan, values: Record<string, string>): AnalysisMetric[] {
    const templates = plan.resources.filter((r) => r.type === templateType);
    if (!templates.length) throw new Error(`the plan of ${plan.stack} has no AnalysisTemplate`);
    return templates.flatMap((r) => {
        const t = r.inputs as {
            metadata: { name: string };
            spec: {
                args?: Array<{ name: string; value?: string }>;
                metrics: Array<{ name: string; successCondition?: string; failureCondition?: string; provider: Record<string, any> }>;
            };
        };
        const args = Object.fromEntries((t.spec.args ?? []).map((a) => [a.name, values[a.name] ?? a.value]));
        return t.spec.metrics.map((m) => {
            const where = `AnalysisTemplate ${t.metadata.name}, metric ${m.name}`;
            const providers = Object.keys(m.provider);
            if (providers.length !== 1 || providers[0] !== "prometheus")
                throw new Error(`${where}: provider ${providers.join(",")} is not Prometheus`);
            return {
                template: t.metadata.name,
                name: m.name,
                query: resolveArgs(m.provider.prometheus.query, args, where),
                successCondition: m.successCondition,
                failureCondition: m.failureCondition,
            };
        });
    });
}

/** Replaces each `{{args.<name>}}` with the argument's value; an undeclared or valueless argument, or any other `{{...}}`, is an error, as in Argo Rollouts. */
export function resolveArgs(text: string, args: Record<string, string | undefined>, where: string): string {
    return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_whole, ref: string) => {
        const m = /^args\.(.+)$/.exec(ref);
        if (!m) throw new Error(`${where}: {{${ref}}} is not an argument reference this test resolves`);
        const value = args[m[1]!];
        if (value === undefined) throw new Error(`${where}: failed to resolve {{${ref}}} (argument not declared or without a value)`);
        return value;
    });
}

type Value = number | boolean | number[];
type Token = { kind: "num"; value: number } | { kind: "id"; value: string } | { kind: "op"; value: string };

function tokenize(expr: string): Token[] {
    const tokens: Token[] = [];
    const re = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_]\w*)|(&&|\|\||==|!=|<=|>=|[<>()[\]]))/gy;
    let at = 0;
    while (at < expr.length) {
        if (/^\s*$/.test(expr.slice(at))) break;
        re.lastIndex = at;
        const m = re.exec(expr);
        if (!m) throw new Error(`condition "${expr}": unsupported syntax at "${expr.slice(at).trim()}"`);
        if (m[1] !== undefined) tokens.push({ kind: "num", value: Number(m[1]) });
        else if (m[2] !== undefined) tokens.push({ kind: "id", value: m[2] });
        else tokens.push({ kind: "op", value: m[3]! });
        at = re.lastIndex;
    }
    return tokens;
}

/** Evaluates an expr-lang condition over `result`; only the subset described above. */
export function evaluateCondition(expr: string, result: number | number[]): boolean {
    const tokens = tokenize(expr);
    let i = 0;
    const fail = (what: string): never => {
        throw new Error(`condition "${expr}": ${what}`);
    };
    const peek = () => tokens[i];
    const take = (op: string) => {
        const t = tokens[i];
        if (t?.kind !== "op" || t.value !== op) fail(`expected "${op}"`);
        i += 1;
    };
    const num = (v: Value, what: string): number => (typeof v === "number" ? v : fail(`${what} is not a number`));
    const bool = (v: Value, what: string): boolean => (typeof v === "boolean" ? v : fail(`${what} is not a boolean`));

    const primary = (): Value => {
        const t = tokens[i++];
        if (!t) return fail("ends too early");
        if (t.kind === "num") return t.value;
        if (t.kind === "op" && t.value === "(") {
            const v = or();
            take(")");
            return v;
        }
        if (t.kind === "id" && t.value === "result") {
            if (peek()?.kind === "op" && peek()!.value === "[") {
                i += 1;
                const token = tokens[i++];
                const index =
                    token?.kind === "num" && Number.isInteger(token.value) ? token.value : fail("only result[<integer>] is supported");
                take("]");
                if (!Array.isArray(result)) return fail("result is not an array");
                // expr-lang: an index out of range is a runtime error, which Argo records as a measurement error.
                if (index >= result.length) return fail(`index ${index} out of range (result has ${result.length} values)`);
                return result[index]!;
            }
            return result;
        }
        if (t.kind === "id" && (t.value === "len" || t.value === "isNaN")) {
            take("(");
            const arg = or();
            take(")");
            if (t.value === "len") return Array.isArray(arg) ? arg.length : fail("len() of a non-array");
            return Number.isNaN(num(arg, "isNaN()'s argument"));
        }
        return fail(`"${t.value}" is not supported by this evaluator (tests/e2e/canary-analysis.ts)`);
    };
    const comparison = (): Value => {
        const left = primary();
        const t = peek();
        if (t?.kind !== "op" || !["==", "!=", "<", "<=", ">", ">="].includes(t.value)) return left;
        i += 1;
        const a = num(left, `left of ${t.value}`);
        const b = num(primary(), `right of ${t.value}`);
        // Go float comparisons: every comparison with NaN is false but !=.
        switch (t.value) {
            case "==":
                return a === b;
            case "!=":
                return a !== b;
            case "<":
                return a < b;
            case "<=":
                return a <= b;
            case ">":
                return a > b;
            default:
                return a >= b;
        }
    };
    const and = (): Value => {
        let v = comparison();
        while (peek()?.kind === "op" && peek()!.value === "&&") {
            i += 1;
            // expr-lang short-circuits: `len(result) == 1 && result[0] ...` never indexes an empty result.
            if (!bool(v, "left of &&")) {
                skipOperand();
                v = false;
            } else v = bool(comparison(), "right of &&");
        }
        return v;
    };
    const or = (): Value => {
        let v = and();
        while (peek()?.kind === "op" && peek()!.value === "||") {
            i += 1;
            if (bool(v, "left of ||")) {
                skipOperand();
                v = true;
            } else v = bool(and(), "right of ||");
        }
        return v;
    };
    /** Steps over one operand of a short-circuited && or || without evaluating it (balanced parentheses/brackets). */
    const skipOperand = () => {
        let depth = 0;
        for (; i < tokens.length; i++) {
            const t = tokens[i]!;
            if (t.kind === "op" && (t.value === "(" || t.value === "[")) depth += 1;
            else if (t.kind === "op" && (t.value === ")" || t.value === "]")) {
                if (depth === 0) return;
                depth -= 1;
            } else if (depth === 0 && t.kind === "op" && (t.value === "&&" || t.value === "||")) return;
        }
    };
    const value = bool(or(), "the condition");
    if (i !== tokens.length) fail(`unexpected "${tokens[i]!.value}"`);
    return value;
}

export type Phase = "Successful" | "Failed" | "Inconclusive";

/** Argo Rollouts' EvaluateResult over one result. */
export function measurementPhase(metric: Pick<AnalysisMetric, "successCondition" | "failureCondition">, result: number | number[]): Phase {
    const success = metric.successCondition ? evaluateCondition(metric.successCondition, result) : undefined;
    const failure = metric.failureCondition ? evaluateCondition(metric.failureCondition, result) : undefined;
    if (success === undefined && failure === undefined) return "Successful";
    if (failure ?? success === false) return "Failed";
    return (success ?? !failure) ? "Successful" : "Inconclusive";
}

export interface Measurement {
    metric: string;
    value: number | number[];
    phase: Phase;
}

/** One measurement: the query through Prometheus's HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/#instant-queries), then the conditions. */
export async function measure(prometheusUrl: string, metric: AnalysisMetric): Promise<Measurement> {
    const res = await fetch(`${prometheusUrl}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query: metric.query }) });
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: any } };
    if (body.status !== "success") throw new Error(`${metric.template}/${metric.name}: Prometheus refused the query: ${body.error}`);
    let value: number | number[];
    if (body.data.resultType === "vector") value = (body.data.result as Array<{ value: [number, string] }>).map((s) => Number(s.value[1]));
    else if (body.data.resultType === "scalar") value = Number(body.data.result[1]);
    else
        throw new Error(
            `${metric.template}/${metric.name}: result type ${body.data.resultType} is not supported by Argo's Prometheus provider`,
        );
    return { metric: metric.name, value, phase: measurementPhase(metric, value) };
}

/**
 * The target labels a canary pod of the detector gets in the cluster's Prometheus, for a static
 * target standing in for it. The analysis queries match `job` (the ServiceMonitor's relabeling, which
 * the e2e scrape config keeps), `namespace` and `pod`; the last two come from the Prometheus Operator's
 * Kubernetes service discovery (its generated scrape config maps __meta_kubernetes_namespace to
 * `namespace` and __meta_kubernetes_pod_name to `pod`:
 * https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.ServiceMonitor and
 * https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config).
 * The namespace is the one the ServiceMonitor selects; the pod is named as a Rollout's ReplicaSet
 * names its pods, `<rollout>-<pod-template-hash>-<suffix>`.
 */
export function canaryPodLabels(plan: Plan, monitorName: string, hash: string): { namespace: string; pod: string } {
    const monitor = plan.resources.find(
        (r) => r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" && (r.inputs as any).metadata.name === monitorName,
    );
    const namespaces: string[] = (monitor?.inputs as any)?.spec?.namespaceSelector?.matchNames ?? [];
    if (namespaces.length !== 1) throw new Error(`ServiceMonitor ${monitorName} of ${plan.stack} does not select exactly one namespace`);
    const namespace = namespaces[0]!;
    const rollouts = plan.resources.filter(
        (r) => r.type === "kubernetes:argoproj.io/v1alpha1:Rollout" && (r.inputs as any).metadata.namespace === namespace,
    );
    if (rollouts.length !== 1) throw new Error(`${plan.stack}: expected one Rollout in namespace ${namespace}, found ${rollouts.length}`);
    // A pod name's random suffix: five characters of Kubernetes' safe alphabet.
    return { namespace, pod: `${(rollouts[0]!.inputs as any).metadata.name}-${hash}-x2kq4` };
}
