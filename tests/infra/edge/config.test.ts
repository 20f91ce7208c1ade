import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { isCidr, isDnsName } from "../../../infra/edge/config";

const digest = `registry.example/pneumonia-detector@sha256:${"a".repeat(64)}`;
const cluster = {
    name: "c",
    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-0a", "subnet-0b"],
    nodeSecurityGroupId: "sg-0abc",
};
const edge = { host: "api.example.org", hostedZoneId: "Z0123456789ABCDEFGHIJ" };
const production = (overrides: Record<string, unknown>) => ({
    environment: "production",
    aws: { region: "eu-west-1" },
    cluster,
    detector: { image: digest },
    edge: { ...edge, ...overrides },
    // The cluster's own account holds the registry, so production may mirror MLflow as the defaults do.
    images: { registryAccountId: "111122223333" },
});

function rejects(raw: Record<string, unknown>, message: string) {
    assert.throws(
        () => parsePlatformConfig(raw, "test"),
        (e: Error) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e.name}`);
            assert.equal(e.message, message);
            assert.ok(!e.message.includes("\n"), "the error is one line");
            return true;
        },
    );
}

describe("infra/edge config", () => {
    it("defaults: 20 MiB bodies, a year of access logs, WAF outside local, an ALB in AWS stacks", () => {
        const c = parsePlatformConfig(production({}), "production");
        assert.equal(c.edge.maxRequestSize, "20Mi");
        assert.equal(c.edge.accessLogDays, 365);
        assert.equal(c.edge.waf.enabled, true);
        assert.equal(c.edge.loadBalancer, "alb");
        const local = parsePlatformConfig({ environment: "local", detector: { image: digest } }, "local");
        assert.equal(local.edge.loadBalancer, "none");
        assert.equal(local.edge.host, "detector.pneumonia.localhost");
        assert.deepEqual(local.edge.clients, { laptop: { keys: ["k1"] } });
    });

    it("accepts clients with one key, or two while rotating", () => {
        const c = parsePlatformConfig(
            production({ clients: { "radiology-pacs": { keys: ["k2026-11", "k2026-12"] }, triage: { keys: ["k1"] } } }),
            "p",
        );
        assert.deepEqual(Object.keys(c.edge.clients), ["radiology-pacs", "triage"]);
    });

    describe("errors name the key", () => {
        it("a host that is not a DNS name", () =>
            rejects(
                production({ host: "https://api.example.org" }),
                'edge.host: expected a DNS name such as api.example.org, got "https://api.example.org"',
            ));
        it("a host with an empty label", () =>
            rejects(
                production({ host: "api..example.org" }),
                'edge.host: expected a DNS name such as api.example.org, got "api..example.org"',
            ));
        it("no host in an AWS stack", () =>
            rejects(
                { ...production({}), edge: { hostedZoneId: edge.hostedZoneId } },
                "edge.host: expected a DNS name such as api.example.org (the public host of the API), got nothing",
            ));
        it("a CIDR that does not parse", () =>
            rejects(
                production({ allowedCidrs: ["10.0.0.0/8", "203.0.113.0/33"] }),
                'edge.allowedCidrs.1: expected a CIDR such as 203.0.113.0/24, got "203.0.113.0/33"',
            ));
        it("an address without a prefix", () =>
            rejects(
                production({ allowedCidrs: ["203.0.113.7"] }),
                'edge.allowedCidrs.0: expected a CIDR such as 203.0.113.0/24, got "203.0.113.7"',
            ));
        it("an empty allow-list", () => rejects(production({ allowedCidrs: [] }), "edge.allowedCidrs: expected at least one CIDR, got []"));
        it("a hosted zone id that is not one", () =>
            rejects(
                production({ hostedZoneId: "example.org" }),
                'edge.hostedZoneId: expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, got "example.org"',
            ));
        it("no hosted zone for the load balancer's certificate", () =>
            rejects(
                { ...production({}), edge: { host: edge.host } },
                "edge.hostedZoneId: expected a Route 53 hosted zone id, required when edge.loadBalancer is alb, got nothing",
            ));
        it("three live keys for one client", () =>
            rejects(
                production({ clients: { pacs: { keys: ["a", "b", "c"] } } }),
                'edge.clients.pacs.keys: expected at most two key names (current and next), got ["a","b","c"]',
            ));
        it("a key name with a dot (it would make the client id ambiguous)", () =>
            rejects(
                production({ clients: { pacs: { keys: ["k.1"] } } }),
                'edge.clients.pacs.keys.0: expected a lower-case name such as radiology-pacs, got "k.1"',
            ));
        it("a body limit that is not a size", () =>
            rejects(production({ maxRequestSize: "20MB" }), 'edge.maxRequestSize: expected a size such as 20Mi, got "20MB"'));
        it("access logs kept less than a year", () =>
            rejects(production({ accessLogDays: 90 }), "edge.accessLogDays: expected an integer >= 365, got 90"));
        it("production without WAF", () =>
            rejects(production({ waf: { enabled: false } }), "edge.waf.enabled: expected true in production, got false"));
        it("production without the load balancer", () =>
            rejects(production({ loadBalancer: "none" }), 'edge.loadBalancer: expected "alb" in production, got "none"'));
        it("a load balancer without the AWS sections", () =>
            rejects(
                { environment: "local", detector: { image: digest }, edge: { loadBalancer: "alb", hostedZoneId: edge.hostedZoneId } },
                'edge.loadBalancer: expected "none" unless the aws and cluster sections are set, got "alb"',
            ));
    });

    // RFC 1123 §2.1 host names and RFC 4632 §3.1 prefixes, checked on their own.
    it("isDnsName and isCidr follow the RFCs' shapes", () => {
        for (const ok of ["a.b", "detector.pneumonia.localhost", "x-1.example.org"]) assert.ok(isDnsName(ok), ok);
        for (const bad of ["localhost", "-a.example.org", "a-.example.org", "A.example.org", "1.2.3.4", `${"a".repeat(64)}.org`])
            assert.ok(!isDnsName(bad), bad);
        for (const ok of ["0.0.0.0/0", "10.0.0.0/8", "2001:db8::/32"]) assert.ok(isCidr(ok), ok);
        for (const bad of ["10.0.0.0", "10.0.0.0/", "10.0.0.256/8", "2001:db8::/129", "10.0.0.0/8/1", "a/8"]) assert.ok(!isCidr(bad), bad);
    });
});
