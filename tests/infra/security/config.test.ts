// The `security` slice of the stack config: defaults per environment, one-line errors naming the key.
import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { keyIssuedAt } from "../../../infra/security/config";

const local = { environment: "local", detector: { image: "registry.example/pneumonia-detector:1.4.2" } };

function rejects(security: unknown, message: string) {
    assert.throws(
        () => parsePlatformConfig({ ...local, security }, "local"),
        (e: Error) => e instanceof ConfigError && e.message === message,
    );
}

describe("security config", () => {
    it("defaults: no AWS finding services on a laptop, 90-day key rotation, the forensics namespace", () => {
        const c = parsePlatformConfig(local, "local");
        assert.deepEqual(c.security, {
            findings: false,
            evidence: { retentionDays: 30, responders: [], auditors: [] },
            trailRetentionDays: 90,
            responderGroups: [],
            forensicsNamespace: "forensics",
            keyRotationDays: 90,
            keyIssued: {},
        });
    });
    it("takes a partial evidence section over the defaults", () => {
        const c = parsePlatformConfig(
            { ...local, security: { evidence: { retentionDays: 3650, responders: ["arn:aws:iam::111122223333:role/ir"] } } },
            "local",
        );
        assert.deepEqual(c.security.evidence, { retentionDays: 3650, responders: ["arn:aws:iam::111122223333:role/ir"], auditors: [] });
    });
    it("refuses, in one line naming the key: a responder that is not a role ARN, a retention of 0, a bad issue date, an unknown key", () => {
        rejects(
            { evidence: { responders: ["alice"] } },
            'security.evidence.responders.0: expected an IAM role ARN such as arn:aws:iam::111122223333:role/incident-responder, got "alice"',
        );
        rejects({ evidence: { retentionDays: 0 } }, "security.evidence.retentionDays: expected an integer from 1 to 36500, got 0");
        rejects(
            { keyIssued: { "triage-app.k1": "2026-13-40" } },
            'security.keyIssued.triage-app.k1: expected a real calendar date, got "2026-13-40"',
        );
        rejects(
            { keyIssued: { "triage-app.k1": "2026-02-31" } },
            'security.keyIssued.triage-app.k1: expected a real calendar date, got "2026-02-31"',
        );
        rejects({ keyRotation: 30 }, "security.keyRotation: unknown key (did you mean security.keyRotationDays?)");
    });
    it("dates a key by security.keyIssued, else by the month in its name, else not at all", () => {
        assert.equal(keyIssuedAt("pacs.k2026-11", {})?.toISOString(), "2026-11-01T00:00:00.000Z");
        assert.equal(keyIssuedAt("pacs.k2026-11-15", {})?.toISOString(), "2026-11-15T00:00:00.000Z");
        assert.equal(keyIssuedAt("pacs.k1", { "pacs.k1": "2026-10-02" })?.toISOString(), "2026-10-02T00:00:00.000Z");
        assert.equal(keyIssuedAt("pacs.k1", {}), undefined);
        assert.equal(keyIssuedAt("pacs.k2026-13", {}), undefined);
    });
});
