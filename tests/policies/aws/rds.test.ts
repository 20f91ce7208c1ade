import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, rdsInstance } from "../factory";

const broken = (change: (p: Record<string, any>) => void) => [edit(rdsInstance(), change)];

describe("aws/rds", () => {
    it("passes the production database", async () => {
        for (const policy of [
            "rds-storage-encrypted",
            "rds-backup-retention",
            "rds-multi-az",
            "rds-deletion-protection",
            "rds-not-public",
        ]) {
            assert.deepEqual(await messages(policy, [rdsInstance()]), [], policy);
        }
    });
    it("rds-storage-encrypted flags unencrypted storage", async () => {
        assert.deepEqual(
            await messages(
                "rds-storage-encrypted",
                broken((p) => delete p.storageEncrypted),
            ),
            ["RDS instance database does not encrypt its storage (storageEncrypted is not true)"],
        );
    });
    it("rds-backup-retention flags backups off, short or left to the API default", async () => {
        assert.match(
            (
                await messages(
                    "rds-backup-retention",
                    broken((p) => (p.backupRetentionPeriod = 0)),
                )
            )[0],
            /keeps backups 0 day\(s\); at least 7/,
        );
        assert.match(
            (
                await messages(
                    "rds-backup-retention",
                    broken((p) => delete p.backupRetentionPeriod),
                )
            )[0],
            /API default/,
        );
        assert.deepEqual(
            await messages(
                "rds-backup-retention",
                broken((p) => (p.backupRetentionPeriod = 7)),
            ),
            [],
        );
    });
    it("rds-multi-az and rds-deletion-protection flag production gaps, and relax where not required", async () => {
        assert.deepEqual(
            await messages(
                "rds-multi-az",
                broken((p) => (p.multiAz = false)),
            ),
            ["RDS instance database is not Multi-AZ"],
        );
        assert.deepEqual(
            await messages(
                "rds-multi-az",
                broken((p) => (p.multiAz = false)),
                { required: false },
            ),
            [],
        );
        assert.deepEqual(
            await messages(
                "rds-deletion-protection",
                broken((p) => (p.deletionProtection = false)),
            ),
            ["RDS instance database has no deletion protection"],
        );
        assert.deepEqual(
            await messages(
                "rds-deletion-protection",
                broken((p) => (p.deletionProtection = false)),
                { required: false },
            ),
            [],
        );
    });
    it("rds-not-public flags a publicly accessible instance", async () => {
        assert.deepEqual(
            await messages(
                "rds-not-public",
                broken((p) => (p.publiclyAccessible = true)),
            ),
            ["RDS instance database is publicly accessible"],
        );
    });
});
