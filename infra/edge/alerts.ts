// The front door's alerts, as seen from outside the detector: the public endpoint probed over
// HTTPS, the certificate it presents, and requests the gateway itself refuses. Definitions follow
// infra/monitoring/alerts.ts (runbook, promtool cases both ways) and join its list there.
import type { AlertDefinition, Runbook } from "../monitoring/alerts";
import { selector } from "../monitoring/recording";
import { gauge, series } from "../monitoring/series";

/** The Probe objects' job (Probe spec.jobName) and the PodMonitor's job (prometheus-operator: `<namespace>/<name>`). */
export const edgeJobs = {
    probes: "edge-blackbox",
    proxies: "edge/envoy-proxy",
    /** The exporter's ServiceMonitor job: its Service, named <release>-<chart> (templates/_helpers.tpl fullname). */
    waf: "edge-waf-metrics-prometheus-cloudwatch-exporter",
} as const;

/** The `target` label of each Probe target. */
export const probeTargets = { publicHealth: "public-health", mlflow: "mlflow", objectStore: "object-store" } as const;

/** Days before the edge certificate expires at which each tier fires (ACM renews 60 days ahead; these mean renewal failed). */
export const certificateExpiryDays = { medium: 21, high: 7 } as const;

/** Requests per second the gateway itself refuses (401/403 bad or missing key, 404, 413), above which someone is probing. */
export const rejectedPerSecondBaseline = 1;

/** Requests AWS WAF blocks per minute (all rules) above which it is an attack or a false positive worth a look. */
export const wafBlockedPerMinuteBaseline = 100;

const day = 86400;
const kubectlEdge = "kubectl -n edge";

const runbooks = {
    certificate: {
        meaning:
            "The certificate the public endpoint presents expires soon. In AWS it is the ACM certificate, renewed automatically 60 days before expiry as long as its DNS validation record is in place: an alert means renewal is failing. Locally it is the stack's self-signed listener certificate.",
        firstCommands: [
            "aws acm list-certificates --query \"CertificateSummaryList[?DomainName=='<edge.host>'].CertificateArn\" --output text",
            "aws acm describe-certificate --certificate-arn <arn> --query 'Certificate.[Status,RenewalSummary,NotAfter,DomainValidationOptions[0].ResourceRecord]'",
            "dig +short CNAME <ResourceRecord.Name from the previous command>",
            "echo | openssl s_client -connect <edge.host>:443 -servername <edge.host> 2>/dev/null | openssl x509 -noout -enddate",
        ],
        mitigation: [
            "If the validation CNAME is missing from the hosted zone, restore it: `pulumi up` recreates the edge's certificate-validation record.",
            "If ACM reports PENDING_VALIDATION or FAILED, request a new certificate by replacing the edge's certificate (`pulumi up --target` the edge certificate with `--replace`) and let the controller update the listener.",
            "Locally, `pulumi up -s local` after the listener certificate's early-renewal window renews it.",
        ],
        escalation: "SEV-3 at 21 days: fix within working hours. SEV-2 at 7 days: callers' TLS will fail at expiry; page the owner of the DNS zone if the validation record cannot be restored.",
    },
    endpointDown: {
        meaning:
            "The public /health over HTTPS has failed for 5 minutes from the prober: callers cannot reach the API, whatever the pods say (the users' view of DetectorDown). Causes: DNS, the load balancer, WAF, the gateway, or the detector behind it.",
        firstCommands: [
            "curl -sv https://<edge.host>/health",
            `${kubectlEdge} get gateway,httproute,securitypolicy,pods`,
            `${kubectlEdge} logs -l app.kubernetes.io/name=envoy -c envoy --since=15m --tail=100`,
            `${kubectlEdge} describe ingress edge | tail -n 20`,
            "kubectl -n pneumonia get pods -l app.kubernetes.io/name=detector",
        ],
        mitigation: [
            "If DetectorDown fires too, follow its runbook: the gateway has nothing to send to.",
            "If the Envoy pods are not ready, check Envoy Gateway's logs (`kubectl -n edge logs deploy/envoy-gateway`) and the Gateway's status conditions.",
            "If the Ingress shows a reconcile error, check the AWS Load Balancer Controller (`kubectl -n edge logs deploy/aws-load-balancer-controller`).",
            "If WAF blocks the prober's address, look at the web ACL's sampled requests in the AWS console.",
        ],
        escalation:
            "SEV-1: acknowledge within 15 minutes; the API is unreachable for every caller. Page the senior engineer if it is not back within 30 minutes (the model service RTO).",
    },
    rejected: {
        meaning:
            "The gateway itself refuses more than 1 request per second for 10 minutes (401/403: missing or wrong API key; 404: no such route; 413: body over the limit): someone is trying keys or paths, or a client's key was revoked or rotated without the client switching.",
        firstCommands: [
            `${kubectlEdge} logs -l app.kubernetes.io/name=envoy -c envoy --since=30m | jq -c 'select((.status | tostring) | test("^4")) | {status, client_ip, client, path}' | sort | uniq -c | sort -rn | head`,
            `${kubectlEdge} get secret edge-client-keys -o jsonpath='{.data}' | jq 'keys'`,
        ],
        mitigation: [
            "One client IP with many 401s: an attacker or a misconfigured client. Block it with edge.allowedCidrs, or rely on the WAF's per-IP rate rule.",
            "A known client after a rotation: it still sends the revoked key; hand it the current key (`pulumi stack output edgeClientKeys --show-secrets`) or restore the old key name in edge.clients until it has switched.",
            "Many 413s: a client sends images above edge.maxRequestSize.",
        ],
        escalation: "SEV-3: handle within 4 hours. Escalate to SEV-2 and inform security if keys appear to be guessed or a valid key is used from an unknown address.",
    },
    wafBlocked: {
        meaning:
            "AWS WAF blocks more than 100 requests a minute at the load balancer for 15 minutes: a flood from a few addresses (the per-IP rate rule), an attack matching the managed rules, or a managed rule blocking legitimate callers (a false positive).",
        firstCommands: [
            "aws wafv2 list-web-acls --scope REGIONAL --query \"WebACLs[?starts_with(Name, 'edge-load-balancer')]\"",
            "aws wafv2 get-sampled-requests --scope REGIONAL --web-acl-arn <arn> --rule-metric-name <rule metric from the dashboard> --time-window StartTime=$(date -u -d '-30 min' +%s),EndTime=$(date -u +%s) --max-items 100",
        ],
        mitigation: [
            "Flood from a few addresses: the rate rule is working; if they are a known client, raise edge.waf.requestsPerIpPer5Min or narrow edge.allowedCidrs.",
            "A managed rule blocking real X-ray uploads (a false positive): override that rule to count in managedRuleGroups (infra/edge/load-balancer.ts), as for SizeRestrictions_BODY, and `pulumi up`.",
            "An attack: keep the block, inform security, review the ALB access logs for the source addresses.",
        ],
        escalation: "SEV-3: handle within 4 hours. Escalate to SEV-2 if legitimate callers are blocked (EdgeRejectedRequestsSpike or client reports) or the attack degrades the service.",
    },
} satisfies Record<string, Runbook>;

export function edgeAlerts(): AlertDefinition[] {
    const probe = selector({ job: edgeJobs.probes, target: probeTargets.publicHealth });
    const probeLabels = { job: edgeJobs.probes, target: probeTargets.publicHealth, instance: "https://detector.example.org/health" };
    const expiresIn = (days: number, at: number) => [gauge("probe_ssl_earliest_cert_expiry", probeLabels, [{ steps: 10, value: at + days * day }])];
    const tierExpr = (days: number) => `probe_ssl_earliest_cert_expiry${probe} - time() < ${days} * 86400`;
    // Envoy's stats in Prometheus form (envoy_http_downstream_rq_xx by response class; the cluster's upstream responses).
    const rejected = (localPerStep: number, upstreamPerStep: number) => {
        const labels = { job: edgeJobs.proxies, instance: "10.0.1.5:19001" };
        const counter = (perStep: number) => `0+${perStep}x20`;
        return [
            series("envoy_http_downstream_rq_xx", { ...labels, envoy_http_conn_manager_prefix: "https-10443", envoy_response_code_class: "4" }, counter(localPerStep + upstreamPerStep)),
            series("envoy_cluster_upstream_rq_xx", { ...labels, envoy_cluster_name: "httproute/edge/detector-predict/rule/0", envoy_response_code_class: "4" }, counter(upstreamPerStep)),
        ];
    };
    // cloudwatch_exporter's gauges: the Sum over each 60 s period, one series per rule.
    const blocked = (perRule: number[]) =>
        perRule.map((value, i) =>
            gauge("aws_wafv2_blocked_requests_sum", { job: edgeJobs.waf, instance: "10.0.2.7:9106", web_acl: "edge-load-balancer", region: "eu-west-1", rule: `rule-${i}` }, [{ steps: 25, value }]),
        );
    return [
        {
            name: "EdgeCertificateExpiry",
            severity: "medium",
            service: "edge",
            expr: tierExpr(certificateExpiryDays.medium),
            for: "15m",
            summary: "The public certificate expires in less than 21 days",
            description: "{{ $labels.instance }} presents a certificate expiring within 21 days; automatic renewal should have happened by now.",
            runbook: runbooks.certificate,
            tests: [
                { title: "20 days left", interval: "5m", series: expiresIn(20, 1800), at: "30m", firing: ["medium"], labels: probeLabels },
                { title: "22 days left", interval: "5m", series: expiresIn(22, 1800), at: "30m", firing: [], labels: probeLabels },
            ],
        },
        {
            name: "EdgeCertificateExpiry",
            severity: "high",
            service: "edge",
            expr: tierExpr(certificateExpiryDays.high),
            for: "15m",
            summary: "The public certificate expires in less than 7 days",
            description: "{{ $labels.instance }} presents a certificate expiring within 7 days: callers' TLS fails at expiry.",
            runbook: runbooks.certificate,
            tests: [
                { title: "6 days left", interval: "5m", series: expiresIn(6, 1800), at: "30m", firing: ["medium", "high"], labels: probeLabels },
                { title: "8 days left", interval: "5m", series: expiresIn(8, 1800), at: "30m", firing: ["medium"], labels: probeLabels },
            ],
        },
        {
            name: "EdgePublicEndpointDown",
            severity: "critical",
            service: "edge",
            expr: `probe_success${probe} == 0`,
            for: "5m",
            summary: "The public /health over HTTPS has failed for 5 minutes",
            description: "The prober cannot get a 200 from {{ $labels.instance }}: callers cannot reach the API.",
            runbook: runbooks.endpointDown,
            tests: [
                { title: "failing for 6 minutes", interval: "1m", series: [gauge("probe_success", probeLabels, [{ steps: 11, value: 0 }])], at: "6m", firing: ["critical"], labels: probeLabels },
                {
                    title: "failing for 4 minutes",
                    interval: "1m",
                    series: [gauge("probe_success", probeLabels, [{ steps: 6, value: 1 }, { steps: 5, value: 0 }])],
                    at: "10m",
                    firing: [],
                    labels: probeLabels,
                },
            ],
        },
        {
            name: "EdgeRejectedRequestsSpike",
            severity: "medium",
            service: "edge",
            expr: [
                `sum(rate(envoy_http_downstream_rq_xx${selector({ job: edgeJobs.proxies, envoy_response_code_class: "4" })}[5m]))`,
                `- sum(rate(envoy_cluster_upstream_rq_xx${selector({ job: edgeJobs.proxies, envoy_response_code_class: "4" })}[5m]))`,
                `> ${rejectedPerSecondBaseline}`,
            ].join("\n"),
            for: "10m",
            summary: "The gateway refuses more than 1 request per second (bad keys, unknown paths, oversized bodies)",
            description: "For 10 minutes more than 1 request per second has been refused at the edge without reaching the detector; the access log names the client addresses and ids.",
            runbook: runbooks.rejected,
            tests: [
                // 1-minute samples: 120 refused per minute = 2/s; the detector's own 4xx are not counted.
                { title: "2 refused per second for 15 minutes", interval: "1m", series: rejected(120, 600), at: "16m", firing: ["medium"], labels: {} },
                { title: "0.5 refused per second, many 4xx from the detector", interval: "1m", series: rejected(30, 600), at: "16m", firing: [], labels: {} },
            ],
        },
        {
            name: "EdgeWafBlockedSpike",
            severity: "medium",
            service: "edge",
            expr: `sum(aws_wafv2_blocked_requests_sum${selector({ job: edgeJobs.waf })}) > ${wafBlockedPerMinuteBaseline}`,
            for: "15m",
            summary: "AWS WAF blocks more than 100 requests a minute",
            description: "For 15 minutes the edge's web ACL has blocked more than 100 requests a minute (CloudWatch BlockedRequests, all rules).",
            runbook: runbooks.wafBlocked,
            tests: [
                { title: "150 a minute for 20 minutes", interval: "1m", series: blocked([100, 50]), at: "20m", firing: ["medium"], labels: {} },
                { title: "90 a minute", interval: "1m", series: blocked([60, 30]), at: "20m", firing: [], labels: {} },
            ],
        },
    ];
}
