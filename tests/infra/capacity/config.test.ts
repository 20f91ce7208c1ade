import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";

const digest = `registry.example/pneumonia-detector@sha256:${"a".repeat(64)}`;
const cluster = {
    name: "c",
    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    privateSubnetIds: ["subnet-0a", "subnet-0b"],
    nodeSecurityGroupId: "sg-0abc",
};
const staging = {
    environment: "staging",
    aws: { region: "eu-west-1" },
    cluster,
    detector: { image: digest },
    edge: { host: "api.staging.example.org", hostedZoneId: "Z0EXAMPLE" },
};

function rejects(raw: Record<string, unknown>, message: string) {
    assert.throws(
        () => parsePlatformConfig(raw, "test"),
        (e: Error) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e.name}`);
            assert.equal(e.message, message);
            return true;
        },
    );
}

describe("capacity and cost config", () => {
    it("defaults: a 30-day horizon everywhere, a budget only in AWS environments, no notify target", () => {
        const s = parsePlatformConfig(staging, "staging");
        assert.deepEqual(s.capacity, { forecastDays: 30 });
        assert.deepEqual(s.cost, { monthlyBudgetUsd: 500 });
        assert.equal(s.monitoring.capacity?.forecastDays, 30, "the forecast alerts read the horizon from the monitoring slice");
        const local = parsePlatformConfig({ environment: "local", detector: { image: digest } }, "local");
        assert.equal(local.cost, undefined);
    });

    it("takes the stack's values", () => {
        const c = parsePlatformConfig(
            { ...staging, capacity: { forecastDays: 14 }, cost: { monthlyBudgetUsd: 750.5, notify: "mailto:ops-tickets@example.org" } },
            "staging",
        );
        assert.equal(c.monitoring.capacity?.forecastDays, 14);
        assert.deepEqual(c.cost, { monthlyBudgetUsd: 750.5, notify: "mailto:ops-tickets@example.org" });
        assert.equal(
            parsePlatformConfig({ ...staging, cost: { notify: "https://tickets.example.org/hooks/budget" } }, "staging").cost?.notify,
            "https://tickets.example.org/hooks/budget",
        );
    });

    it("rejects bad values with one line naming the key", () => {
        rejects({ ...staging, capacity: { forecastDays: 0 } }, "capacity.forecastDays: expected an integer from 1 to 365, got 0");
        rejects({ ...staging, capacity: { forecastDays: "30" } }, 'capacity.forecastDays: expected an integer from 1 to 365, got "30"');
        rejects({ ...staging, capacity: { horizon: 30 } }, "capacity.horizon: unknown key");
        rejects(
            { ...staging, cost: { monthlyBudgetUsd: -5 } },
            "cost.monthlyBudgetUsd: expected a positive number of US dollars such as 500, got -5",
        );
        rejects(
            { ...staging, cost: { notify: "http://tickets.example.org" } },
            'cost.notify: expected a mailto: address or an https:// URL of the ticket system, got "http://tickets.example.org"',
        );
        rejects(
            { ...staging, cost: { notify: "ops@example.org" } },
            'cost.notify: expected a mailto: address or an https:// URL of the ticket system, got "ops@example.org"',
        );
    });
});
