import * as assert from "node:assert/strict";
import { messages } from "../check";
import { backupCronJob, edit, rdsInstance, secureBucket, statefulSet } from "../factory";

const store = (name: string) => edit(statefulSet(name, 1), (p) => (p.metadata.labels["app.kubernetes.io/name"] = name));

describe("stack/data-store-backups", () => {
    it("passes when the database and the artifact bucket have daily backups of their kind", async () => {
        const list = [
            rdsInstance(),
            ...secureBucket("artifacts"),
            ...secureBucket("backups"),
            backupCronJob("db"),
            backupCronJob("models", "0 */6 * * *"),
            // The weekly restore test is not a backup: the 24 h RPO does not apply to it.
            backupCronJob("verify", "0 4 * * 0"),
        ];
        assert.deepEqual(await messages("stack-data-store-backups", list), []);
    });
    it("recognises in-cluster Postgres and MinIO, and the kind from the runner command", async () => {
        const byCommand = edit(backupCronJob("db"), (p) => delete p.metadata.labels["pneumonia.io/backup-kind"]);
        assert.deepEqual(await messages("stack-data-store-backups", [store("postgres"), store("object-store"), byCommand]), [
            "the artifact store (in-cluster MinIO) (object-store) has no scheduled models backup CronJob",
        ]);
    });
    it("flags a data store without backup, a weekly or suspended backup, and a backup of unknown kind", async () => {
        const weekly = backupCronJob("db", "0 3 * * 0");
        const suspended = edit(backupCronJob("models"), (p) => (p.spec.suspend = true));
        const unknown = edit(backupCronJob("db"), (p) => {
            delete p.metadata.labels["pneumonia.io/backup-kind"];
            p.spec.jobTemplate.spec.template.spec.containers[0].args = ["sleep"];
        });
        const found = await messages("stack-data-store-backups", [rdsInstance(), ...secureBucket("artifacts"), weekly, suspended, unknown]);
        assert.deepEqual(found, [
            "CronJob pneumonia/backup-db (db) runs up to 168 h apart; at most 24 h (RPO)",
            "CronJob pneumonia/backup-models (models) is suspended",
            "CronJob pneumonia/backup-db is labelled app.kubernetes.io/name=backup but neither its pneumonia.io/backup-kind label nor its command names what it backs up",
            "the MLflow database (RDS) (database) has no scheduled db backup CronJob",
            "the artifact bucket (artifacts) has no scheduled models backup CronJob",
        ]);
    });
    it("does not count CronJobs that are not labelled as backups", async () => {
        const other = edit(backupCronJob("db"), (p) => (p.metadata.labels["app.kubernetes.io/name"] = "report"));
        assert.equal((await messages("stack-data-store-backups", [rdsInstance(), other])).length, 1);
    });
});
