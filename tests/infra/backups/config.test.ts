// The backups config section: the restore source is chosen per kind, because backup ids are per
// kind (a db dump and a models archive of the same night have different ids).
import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../../infra/config";

const withRestore = (restore: Record<string, unknown>) =>
    parsePlatformConfig(
        {
            environment: "local",
            detector: { image: "ghcr.io/pneumonia-detector/api:1.4.2" },
            backups: { restore: { bucket: "backups-src0001", prefix: "production", ...restore } },
        },
        "dr-test",
    );

describe("backups: config section", () => {
    it("takes a backup id per kind", () => {
        const from = { db: "20261126T011500Z-3f2a", models: "20261125T014500Z-9c1d" };
        assert.deepEqual(withRestore({ from }).backups.restore?.from, from);
    });

    it('reads "latest" as the latest of both kinds', () => {
        assert.deepEqual(withRestore({ from: "latest" }).backups.restore?.from, { db: "latest", models: "latest" });
    });

    const rejects: Array<[string, unknown, RegExp]> = [
        [
            "one id for both kinds",
            "20261126T011500Z-3f2a",
            /^backups\.restore\.from: expected \{ db, models \}, each latest or a backup id of that kind \(ids differ per kind\), got "20261126T011500Z-3f2a"$/,
        ],
        ["a missing kind", { db: "latest" }, /^backups\.restore\.from\.models: expected latest or a backup id, got nothing$/],
        [
            "an id with a slash",
            { db: "latest", models: "../db/x" },
            /^backups\.restore\.from\.models: expected latest or a backup id, got "\.\.\/db\/x"$/,
        ],
        ["an unknown kind", { db: "latest", models: "latest", config: "latest" }, /^backups\.restore\.from\.config: unknown key$/],
    ];
    for (const [what, from, message] of rejects) {
        it(`rejects ${what} with one line naming the key`, () => {
            assert.throws(
                () => withRestore({ from }),
                (e: Error) => e instanceof ConfigError && message.test(e.message),
            );
        });
    }
});
