// MLflow's DNS-rebinding protection, tested from MLflow's side: every caller the platform has
// builds the Host header it would send, and MLflow's documented matching decides.
//
// MLflow 3 (https://mlflow.org/docs/latest/self-hosting/security/network, "Allowed Hosts";
// mlflow/server/security_utils.py `is_allowed_host_header`, mlflow/server/fastapi_security.py
// `HostValidationMiddleware`): the Host header, host and port as sent, is admitted when a pattern
// containing "*" matches it by Python's fnmatch, or another pattern equals it; "/health" and
// "/version" skip the check; `--allowed-hosts` is split on "," and each entry stripped. The matching
// here runs in Python's own fnmatch (https://docs.python.org/3/library/fnmatch.html), not a copy.
//
// Host headers: an HTTP client sends the URI's host and, unless it is the scheme's default, the port
// (RFC 9110 section 7.2), which is what WHATWG URL's `host` holds. Prometheus scrapes a target at its
// `__address__`, which Kubernetes service discovery's endpoints role sets to the endpoint's pod IP
// and port (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { at, plan, resource, resourcesOf, stacks } from "../../helpers/plan";

/** MLflow's decision for each host, by Python's fnmatch. */
function mlflowAdmits(allowedHosts: string[], hosts: string[]): boolean[] {
    const program = [
        "import fnmatch, json, sys",
        "req = json.load(sys.stdin)",
        "allowed = req['allowed']",
        "ok = lambda h: bool(h) and ('*' in allowed or any(fnmatch.fnmatch(h, a) if '*' in a else h == a for a in allowed))",
        "print(json.dumps([ok(h) for h in req['hosts']]))",
    ].join("\n");
    const result = spawnSync("python3", ["-c", program], { input: JSON.stringify({ allowed: allowedHosts, hosts }), encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as boolean[];
}

const hostOf = (url: string) => new URL(url).host;

/** Pod addresses a cluster of this stack hands out: kind's default pod CIDR, or EKS VPC CNI addresses from the VPC's private ranges. */
const podIps: Record<string, string[]> = {
    local: ["10.244.0.7", "10.244.1.17"],
    staging: ["10.0.12.34", "172.31.200.7", "192.168.3.250"],
    production: ["10.0.12.34", "172.16.0.1", "172.31.255.254", "192.168.0.9"],
};

describe("MLflow --allowed-hosts, against MLflow's host matching", () => {
    for (const stack of stacks) {
        describe(stack, () => {
            async function rendered() {
                const p = await plan(stack);
                const container = at(resource(p, "kubernetes:apps/v1:Deployment", "mlflow").inputs, "spec.template.spec.containers.0");
                const arg: string = container.args.find((a: string) => a.startsWith("--allowed-hosts="));
                return {
                    p,
                    container,
                    allowed: arg
                        .slice("--allowed-hosts=".length)
                        .split(",")
                        .map((h) => h.trim()),
                };
            }

            it("admits Prometheus scraping each pod at <pod IP>:<port> on /metrics (not a health path)", async () => {
                const { p, allowed } = await rendered();
                const monitor = resource(p, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "monitoring-mlflow").inputs as {
                    spec: { endpoints: { port: string; path: string }[] };
                };
                const [endpoint] = monitor.spec.endpoints;
                assert.equal(endpoint.path, "/metrics");
                const servicePort = at(resource(p, "kubernetes:core/v1:Service", "mlflow").inputs, "spec.ports").find(
                    (port: { name: string }) => port.name === endpoint.port,
                );
                const hosts = podIps[stack]!.map((ip) => `${ip}:${servicePort.port}`);
                assert.deepEqual(
                    mlflowAdmits(allowed, hosts),
                    hosts.map(() => true),
                    hosts.join(" "),
                );
            });

            it("admits the detector at its MLFLOW_TRACKING_URI and the smoke check at its URL", async () => {
                const { p, allowed } = await rendered();
                const detectorEnv = at(
                    resource(p, "kubernetes:argoproj.io/v1alpha1:Rollout", "detector").inputs,
                    "spec.template.spec.containers.0.env",
                );
                const trackingUri = detectorEnv.find((e: { name: string }) => e.name === "MLFLOW_TRACKING_URI").value;
                const smoke = resourcesOf(p, "kubernetes:batch/v1:Job").find((j) => j.name === "smoke-check")!;
                const smokeUrl = at(smoke.inputs, "spec.template.spec.containers")
                    .find((c: { name: string }) => c.name === "mlflow")
                    .args.find((a: string) => a.startsWith("http"));
                const hosts = [hostOf(trackingUri), hostOf(smokeUrl)];
                assert.deepEqual(mlflowAdmits(allowed, hosts), [true, true], hosts.join(" "));
            });

            it("admits port-forwards (operators, npm run health, the DR check) on any local port", async () => {
                const { allowed } = await rendered();
                // kubectl port-forward listens on 127.0.0.1 and ::1; npm run health binds 127.0.0.1 on a random port.
                const hosts = ["127.0.0.1:5000", "localhost:5000", "127.0.0.1:43117", "localhost:15000", "[::1]:5000", "localhost"];
                assert.deepEqual(
                    mlflowAdmits(allowed, hosts),
                    hosts.map(() => true),
                    hosts.join(" "),
                );
            });

            it("keeps refusing what a DNS-rebinding page would send", async () => {
                const { allowed } = await rendered();
                const hosts = [
                    "10.attacker.example:5000",
                    "10.0.0.1.attacker.example:5000",
                    "172.16.0.1x.attacker.example:5000",
                    "192.168.1.1.nip.io:5000",
                    "mlflow.pneumonia.svc.cluster.local.attacker.example:5000",
                    "attacker.example",
                    "8.8.8.8:5000",
                    "172.32.0.1:5000",
                    "",
                ];
                assert.deepEqual(
                    mlflowAdmits(allowed, hosts),
                    hosts.map(() => false),
                    hosts.join(" "),
                );
            });
        });
    }

    it("the matcher refuses what MLflow refuses: an fnmatch pattern only when it has '*', exact match otherwise", () => {
        assert.deepEqual(mlflowAdmits(["10.[0-9].[0-9].[0-9]", "a.*"], ["10.1.2.3", "a.b"]), [false, true]);
    });
});
