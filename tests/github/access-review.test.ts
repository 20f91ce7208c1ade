// The monthly access-review workflow: scheduled once a month before the first Monday, runs the
// review for every deployed stack without cloud credentials, and keeps each report as an artifact.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "../..");
const workflow = parse(fs.readFileSync(path.join(root, ".github/workflows/access-review.yml"), "utf8")) as {
    on: { schedule: { cron: string }[]; workflow_dispatch: unknown };
    permissions: Record<string, string>;
    jobs: Record<
        string,
        {
            strategy: { matrix: { stack: string[] } };
            permissions?: unknown;
            steps: { uses?: string; run?: string; with?: Record<string, unknown>; if?: string }[];
        }
    >;
};

describe("access-review workflow", () => {
    const job = workflow.jobs.review!;
    it("runs on the 1st of each month (always on or before the first Monday) and on demand", () => {
        assert.deepEqual(workflow.on.schedule, [{ cron: "0 6 1 * *" }]);
        assert.ok("workflow_dispatch" in workflow.on);
    });
    it("reviews staging and production offline: no id-token, read-only contents", () => {
        assert.deepEqual(job.strategy.matrix.stack, ["staging", "production"]);
        assert.deepEqual(workflow.permissions, { contents: "read" });
        assert.equal(job.permissions, undefined);
        assert.ok(!job.steps.some((s) => s.uses?.includes("cloud-login")));
    });
    it("writes the report and keeps it as an artifact even when the review step fails", () => {
        const review = job.steps.findIndex((s) =>
            /npm run --silent access-review -- \$\{\{ matrix\.stack \}\} --out reports\/access-review-\$\{\{ matrix\.stack \}\}\.md/.test(
                s.run ?? "",
            ),
        );
        const upload = job.steps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@"));
        assert.ok(review >= 0 && upload > review);
        assert.equal(job.steps[upload]!.if, "${{ !cancelled() }}");
        assert.equal(job.steps[upload]!.with!.path, "reports/");
        assert.ok(Number(job.steps[upload]!.with!["retention-days"]) >= 365);
    });
});
