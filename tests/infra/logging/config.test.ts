import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";
import { loggingDefaults } from "../../../infra/logging/config";
import { stackConfig, stacks } from "../monitoring/helpers";

const local = (logging: Record<string, unknown>) =>
    parsePlatformConfig({ environment: "local", detector: { image: "detector:1.0.0" }, logging }, "local");

describe("logging: config", () => {
    it("keeps each class for its retention: application and events 30 days (staging 7), access 365, backup jobs 90", () => {
        for (const stack of stacks) {
            const { retentionDays, bucketExpirationDays } = stackConfig(stack).logging;
            const short = stack === "staging" ? 7 : 30;
            assert.deepEqual(retentionDays, { application: short, events: short, access: 365, backup: 90 }, stack);
            assert.ok(bucketExpirationDays >= 365, `${stack}: the bucket lifecycle outlives the longest class`);
        }
    });

    it("runs Loki as one binary in local and staging and as microservices in production", () => {
        assert.equal(loggingDefaults("local").mode, "monolithic");
        assert.equal(loggingDefaults("staging").mode, "monolithic");
        assert.equal(loggingDefaults("production").mode, "distributed");
    });

    it("refuses a bucket lifecycle shorter than the longest class, naming the key", () => {
        assert.throws(
            () => local({ bucketExpirationDays: 100 }),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message === "logging.bucketExpirationDays: expected an integer >= the longest retention class (365 days), got 100",
        );
        assert.doesNotThrow(() => local({ bucketExpirationDays: 365 }));
    });

    it("refuses a retention that is not a whole number of days", () => {
        assert.throws(
            () => local({ retentionDays: { access: "1y" } }),
            /^ConfigError: logging\.retentionDays\.access: expected an integer >= 1, got "1y"$/,
        );
        assert.throws(() => local({ retentionDays: { audit: 10 } }), /^ConfigError: logging\.retentionDays\.audit: unknown key$/);
    });

    it("refuses a secret pattern that RE2 cannot compile or that captures nothing", () => {
        // Lookahead is Perl syntax that Go's regexp (RE2) rejects.
        assert.throws(
            () => local({ secretPatterns: [{ name: "lookahead", regex: "password=(?=\\S+)" }] }),
            /^ConfigError: logging\.secretPatterns\.0\.regex: expected an RE2 pattern/,
        );
        assert.throws(
            () => local({ secretPatterns: [{ name: "no-group", regex: "password=\\S+" }] }),
            /logging\.secretPatterns\.0\.regex: expected an RE2 pattern with a capture group around the secret/,
        );
        assert.doesNotThrow(() => local({ secretPatterns: [{ name: "ok", regex: "password=(\\S+)" }] }));
    });

    it("refuses an app that is both access and backup logs", () => {
        assert.throws(
            () => local({ accessApps: ["backup"] }),
            /^ConfigError: logging\.accessApps: expected apps not also in backupApps \(backup\)/,
        );
    });
});
