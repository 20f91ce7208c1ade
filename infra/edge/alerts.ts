// The front door's alerts, as seen from outside the detector: the public endpoint probed over
// HTTPS, the certificate it presents, and requests the gateway itself refuses. Definitions follow
// infra/monitoring/alerts.ts (runbook, promtool cases both ways) and join its list there.
import type { AlertDefinition, Runbook } from "../observability/alerts";
import { selector } from "../observability/rules";
import { gauge } from "../observability/series";
import { edgeClientRequestsRate } from "../logging/rules";

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

/** 401/403 answers per second to one caller id (or to requests without a valid key, client ""), above which someone is trying keys. */
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
        escalation:
            "SEV-3 at 21 days: fix within working hours. SEV-2 at 7 days: callers' TLS will fail at expiry; page the owner of the DNS zone if the validation record cannot be restored.",
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
            "The gateway answers one caller 401/403 (missing or wrong API key) more than once per second for 10 minutes. The `client` label is the caller id its request carried; empty means no valid key at all, and the Loki alert RepeatedAuthenticationFailures and the access log name the source addresses. Someone is trying keys, or a client's key was revoked or rotated without the client switching. The series is recorded by Loki's ruler from Envoy's access log (edge_client:requests:rate5m): if the log pipeline is down this alert is silent, see the logging alerts.",
        firstCommands: [
            `Grafana Explore, data source Loki: sum by (client, client_ip) (count_over_time({log_class="access"} | status=~"401|403" [30m]))`,
            `${kubectlEdge} logs -l app.kubernetes.io/name=envoy -c envoy --since=30m | jq -c 'select((.status | tostring) | test("^4")) | {status, client_ip, client, path}' | sort | uniq -c | sort -rn | head`,
            `${kubectlEdge} get secret edge-client-keys -o jsonpath='{.data}' | jq 'keys'`,
        ],
        mitigation: [
            "One client IP with many 401s: an attacker or a misconfigured client. Block it with edge.allowedCidrs, or rely on the WAF's per-IP rate rule.",
            "A known client after a rotation: it still sends the revoked key; hand it the current key (`pulumi stack output edgeClientKeys --show-secrets`) or restore the old key name in edge.clients until it has switched.",
        ],
        escalation:
            "SEV-3: handle within 4 hours. Escalate to SEV-2 and inform security if keys appear to be guessed or a valid key is used from an unknown address.",
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
        escalation:
            "SEV-3: handle within 4 hours. Escalate to SEV-2 if legitimate callers are blocked (EdgeRejectedRequestsSpike or client reports) or the attack degrades the service.",
    },
} satisfies Record<string, Runbook>;

export function edgeAlerts(): AlertDefinition[] {
    const probe = selector({ job: edgeJobs.probes, target: probeTargets.publicHealth });
    const probeLabels = { job: edgeJobs.probes, target: probeTargets.publicHealth, instance: "https://detector.example.org/health" };
    const expiresIn = (days: number, at: number) => [
        gauge("probe_ssl_earliest_cert_expiry", probeLabels, [{ steps: 10, value: at + days * day }]),
    ];
    const tierExpr = (days: number) => `probe_ssl_earliest_cert_expiry${probe} - time() < ${days} * 86400`;
    // The series Loki's ruler writes (infra/logging/rules.ts): requests per second by caller id and
    // status, and the ruler's external labels. Each entry: [client, status, requests per second].
    const callers = (rates: Array<[string, string, number]>) =>
        rates.map(([client, status, perSecond]) =>
            gauge(edgeClientRequestsRate, { client, status, stack: "production", environment: "production" }, [
                { steps: 20, value: perSecond },
            ]),
        );
    // cloudwatch_exporter's gauges: the Sum over each 60 s period, one series per rule.
    const blocked = (perRule: number[]) =>
        perRule.map((value, i) =>
            gauge(
                "aws_wafv2_blocked_requests_sum",
                { job: edgeJobs.waf, instance: "10.0.2.7:9106", web_acl: "edge-load-balancer", region: "eu-west-1", rule: `rule-${i}` },
                [{ steps: 25, value }],
            ),
        );
    return [
        {
            name: "EdgeCertificateExpiry",
            severity: "medium",
            service: "edge",
            expr: tierExpr(certificateExpiryDays.medium),
            for: "15m",
            summary: "The public certificate expires in less than 21 days",
            description:
                "{{ $labels.instance }} presents a certificate expiring within 21 days; automatic renewal should have happened by now.",
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
                {
                    title: "6 days left",
                    interval: "5m",
                    series: expiresIn(6, 1800),
                    at: "30m",
                    firing: ["medium", "high"],
                    labels: probeLabels,
                },
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
                {
                    title: "failing for 6 minutes",
                    interval: "1m",
                    series: [gauge("probe_success", probeLabels, [{ steps: 11, value: 0 }])],
                    at: "6m",
                    firing: ["critical"],
                    labels: probeLabels,
                },
                {
                    title: "failing for 4 minutes",
                    interval: "1m",
                    series: [
                        gauge("probe_success", probeLabels, [
                            { steps: 6, value: 1 },
                            { steps: 5, value: 0 },
                        ]),
                    ],
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
            // Per caller: one client's refusals, not the sum over everyone, are what a baseline can judge.
            expr: `sum by (client) (${edgeClientRequestsRate}{status=~"401|403"}) > ${rejectedPerSecondBaseline}`,
            for: "10m",
            summary: "The gateway refuses caller {{ $labels.client }} more than 1 request per second (401/403)",
            description:
                'For 10 minutes the edge has answered 401/403 to caller id "{{ $labels.client }}" (empty: requests without a valid key) more than once per second; the access log names the source addresses.',
            runbook: runbooks.rejected,
            tests: [
                {
                    title: "one caller refused 2 per second for 15 minutes",
                    interval: "1m",
                    series: callers([
                        ["radiology-pacs.primary", "401", 1.5],
                        ["radiology-pacs.primary", "403", 0.5],
                        ["radiology-pacs.primary", "200", 5],
                    ]),
                    at: "16m",
                    firing: ["medium"],
                    labels: { client: "radiology-pacs.primary" },
                },
                {
                    // 1.8/s refused in all, but under the baseline for each caller; successes are not counted.
                    title: "two callers refused 0.9 per second each, many successes",
                    interval: "1m",
                    series: callers([
                        ["radiology-pacs.primary", "401", 0.9],
                        ["", "401", 0.9],
                        ["radiology-pacs.primary", "200", 50],
                    ]),
                    at: "16m",
                    firing: [],
                    labels: {},
                },
            ],
        },
        {
            name: "EdgeWafBlockedSpike",
            severity: "medium",
            service: "edge",
            expr: `sum(aws_wafv2_blocked_requests_sum${selector({ job: edgeJobs.waf })}) > ${wafBlockedPerMinuteBaseline}`,
            for: "15m",
            summary: "AWS WAF blocks more than 100 requests a minute",
            description:
                "For 15 minutes the edge's web ACL has blocked more than 100 requests a minute (CloudWatch BlockedRequests, all rules).",
            runbook: runbooks.wafBlocked,
            tests: [
                {
                    title: "150 a minute for 20 minutes",
                    interval: "1m",
                    series: blocked([100, 50]),
                    at: "20m",
                    firing: ["medium"],
                    labels: {},
                },
                { title: "90 a minute", interval: "1m", series: blocked([60, 30]), at: "20m", firing: [], labels: {} },
            ],
        },
    ];
}
