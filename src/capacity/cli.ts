// npm run capacity-report -- <stack> [--prometheus-url URL] [--json]
// The monthly capacity review's table (docs/operations.md): requests against p95 usage with a
// recommendation, and the forecast date of each scaling trigger, read from the stack's Prometheus.
import { runCommand, UsageError } from "../cli/command";
import { maskCredentials } from "../cli/http";
import { readStackFile } from "../release/stack-file";
import { capacityReport, formatReport, prometheusQuery } from "./report";

runCommand(
    {
        invocation: "npm run --silent capacity-report --",
        positionals: "<stack>",
        summary:
            "Requests against p95 usage with a recommended request, and when each scaling trigger will be crossed at the 4-week trend.",
        minPositionals: 1,
        maxPositionals: 1,
        options: {
            "prometheus-url": {
                type: "string",
                value: "URL",
                description: "Prometheus base URL, as in health and promote (default: $PROMETHEUS_URL)",
            },
            json: { type: "boolean", description: "print the report as one JSON document" },
        },
        notes: [
            "Reach the stack's Prometheus with: kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090",
            "Exit codes: 0 report printed, 1 Prometheus did not answer or refused a query, 2 usage error (no URL, unknown stack).",
        ],
        examples: ["npm run --silent capacity-report -- production --prometheus-url http://localhost:9090"],
    },
    async ({ positionals: [stack], values }) => {
        const prometheus = values["prometheus-url"] ?? process.env.PROMETHEUS_URL;
        if (!prometheus) throw new UsageError("no Prometheus: give --prometheus-url URL or set PROMETHEUS_URL");
        if (!/^https?:\/\/\S+$/.test(prometheus))
            throw new UsageError(`--prometheus-url: expected an http(s) URL, got "${maskCredentials(prometheus)}"`);
        const config = readStackFile(stack!);
        const report = await capacityReport(
            prometheusQuery(prometheus),
            config.monitoring,
            config.kubernetes.appNamespace,
            config.capacity.forecastDays,
            Math.floor(Date.now() / 1000),
        );
        process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        return 0;
    },
);
