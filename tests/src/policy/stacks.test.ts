// Every stack's planned resources against its own policy config, in-process; and a deliberately
// broken copy of production, through the CLI, which must fail.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadStackConfig } from "../../../src/policy/config";
import { evaluate, type InputResource } from "../../../src/policy/evaluate";
import { pack } from "../../../src/policy/pack";
import { planResources } from "../../../src/policy/run";
import { runCli } from "../../helpers/cli";
import { plan, stacks } from "../../helpers/plan";

async function check(stack: string, resources: InputResource[]) {
    return evaluate(pack, resources, loadStackConfig(stack, pack.policies));
}

describe("policies on the stacks", () => {
    for (const stack of stacks) {
        it(`${stack}: no mandatory violation`, async () => {
            const { violations } = await check(stack, planResources(await plan(stack)));
            const mandatory = violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy} ${v.resource}: ${v.message}`);
            assert.deepEqual(mandatory, []);
        });
    }

    it("staging without repository (so no derived monitoring.runbookBaseUrl) fails the monitoring check: its runbook links would be bare paths", async () => {
        const { violations } = await check("staging", planResources(await plan("staging", { overrides: { repository: undefined } })));
        const monitoring = violations.filter((v) => v.policy === "stack-monitoring");
        assert.equal(monitoring.length, 1);
        assert.match(
            monitoring[0]!.message,
            /alerting rule\(s\) have no https runbook_url \(DetectorDown: "docs\/runbooks\/DetectorDown\.md"\): set monitoring\.runbookBaseUrl/,
        );
        assert.equal(monitoring[0]!.level, "mandatory");
    });

    it("a broken copy of production fails: privileged detector on latest, public RDS without backups, bucket without public-access block", async () => {
        const production = await plan("production");
        // The redacted inputs, as `npm run plan -- production --json` writes them: no secret reaches the file.
        const broken = production.resources
            .filter((r) => r.type !== "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
            .map(({ urn, type, name, parent, inputs }) => {
                const props = structuredClone(inputs) as Record<string, any>;
                if (type === "kubernetes:argoproj.io/v1alpha1:Rollout" && name === "detector") {
                    props.spec.template.spec.containers[0].image = "ghcr.io/pneumonia-detector/api:latest";
                    props.spec.template.spec.containers[0].securityContext.privileged = true;
                }
                if (type === "aws:rds/instance:Instance") Object.assign(props, { publiclyAccessible: true, backupRetentionPeriod: 0 });
                return { urn, type, name, parent, props };
            });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-broken-")), "production.json");
        fs.writeFileSync(file, JSON.stringify(broken));
        const result = runCli("src/policy/cli.ts", ["--resources", file, "--stack", "production", "--json"]);
        assert.equal(result.code, 1, result.stderr);
        const found = (JSON.parse(result.stdout).violations as { policy: string; resource: string }[]).map(
            (v) => `${v.policy} ${v.resource.split("::").pop()}`,
        );
        for (const expected of [
            "kubernetes-no-privileged detector",
            "kubernetes-image-pinned detector",
            "rds-not-public database",
            "rds-backup-retention database",
            "s3-bucket-public-access-block artifacts",
            "s3-bucket-public-access-block backups",
        ]) {
            assert.ok(found.includes(expected), `missing ${expected}`);
        }
    });
});
