// .github/workflows/dr-drill.yml read as GitHub Actions reads it: the schedule (POSIX cron in UTC,
// https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#schedule),
// workflow_dispatch inputs, `environment` for approval, and status-check functions in `if`
// (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions#status-check-functions).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { recoveryTimeObjectives } from "../../infra/observability/objectives";

const root = path.resolve(__dirname, "../..");
const workflow = parse(fs.readFileSync(path.join(root, ".github/workflows/dr-drill.yml"), "utf8")) as {
    on: {
        schedule: { cron: string }[];
        workflow_dispatch: { inputs: Record<string, { type: string; options?: string[]; default?: unknown }> };
    };
    jobs: Record<
        string,
        {
            "timeout-minutes": number;
            environment: string;
            env: Record<string, string>;
            permissions: Record<string, string>;
            steps: { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[];
        }
    >;
};
const job = workflow.jobs.drill!;
const stepIndex = (pattern: RegExp) => {
    const i = job.steps.findIndex((s) => (s.run ?? s.uses ?? "").match(pattern));
    assert.ok(i >= 0, `no step matches ${pattern}`);
    return i;
};

/** The months and days of month a five-field cron runs on (lists and numbers: what this schedule uses). */
function cronDates(cron: string): { months: number[]; days: number[]; weekdays: string } {
    const [, , day, month, weekday] = cron.split(/\s+/);
    return { months: month!.split(",").map(Number), days: day!.split(",").map(Number), weekdays: weekday! };
}

describe("dr-drill workflow", () => {
    it("runs quarterly (once in each quarter of the year), and by hand for staging or production", () => {
        assert.equal(workflow.on.schedule.length, 1);
        const { months, days, weekdays } = cronDates(workflow.on.schedule[0]!.cron);
        assert.equal(weekdays, "*");
        assert.deepEqual(days, [1]);
        assert.deepEqual(
            months.map((m) => Math.floor((m - 1) / 3)),
            [0, 1, 2, 3],
            "one run per quarter",
        );
        const stack = workflow.on.workflow_dispatch.inputs.stack!;
        assert.deepEqual(stack.options, ["staging", "production"]);
        assert.equal(stack.default, "staging");
        // A scheduled run has no inputs: the stack falls back to staging.
        assert.equal(job.env.STACK, "${{ inputs.stack || 'staging' }}");
    });

    it("drills production only behind the production environment (its approval), staging in staging's", () => {
        assert.equal(job.environment, "${{ inputs.stack || 'staging' }}");
        assert.equal(job.permissions["id-token"], "write");
    });

    it("plans offline first, then drills with the npm script, and allows the data RTO to pass", () => {
        const plan = stepIndex(/^npm run --silent dr-drill -- --from "\$STACK" --plan/);
        const login = stepIndex(/^\.\/\.github\/actions\/cloud-login$/);
        const drill = stepIndex(/npm run --silent dr-drill -- --from "\$STACK" --reports reports\/dr "\$@"/);
        assert.ok(plan < login && login < drill);
        assert.match(job.steps[drill]!.run!, /if \[ "\$KEEP" = "true" \]; then set -- --keep; fi/, "--keep only when asked");
        assert.ok(job["timeout-minutes"] * 60 > recoveryTimeObjectives.dataRecovery, "the job outlives the data RTO");
    });

    it("reaches the drill's services through the cluster credentials (no override URLs), after cloud-login's kubeconfig", () => {
        const drill = job.steps[stepIndex(/dr-drill -- --from "\$STACK" --reports/)]!;
        assert.doesNotMatch(drill.run!, /--detector-url|--mlflow-url/);
        assert.ok(stepIndex(/^\.\/\.github\/actions\/cloud-login$/) < job.steps.indexOf(drill));
    });

    it("destroys a drill stack a cancelled or killed drill left, by its .pending marker", () => {
        const drill = stepIndex(/dr-drill -- --from "\$STACK" --reports/);
        const teardown = stepIndex(/dr-drill -- --destroy "\$\(basename "\$marker" \.pending\)" --reports reports\/dr/);
        assert.ok(teardown > drill);
        // Status-check functions: a step runs after a cancellation only if its `if` says so.
        assert.equal(job.steps[teardown]!.if, "${{ cancelled() || failure() }}");
        assert.match(job.steps[teardown]!.run!, /for marker in reports\/dr\/\*\.pending; do/);
    });

    it("uploads the report whether the drill passed or failed, and fails visibly", () => {
        const drill = stepIndex(/dr-drill -- --from "\$STACK" --reports/);
        const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
        assert.equal(upload.if, "${{ !cancelled() }}");
        assert.equal(upload.with!.path, "reports/dr/");
        assert.ok(job.steps.indexOf(upload) > drill);
        const issue = job.steps[stepIndex(/^gh issue create/)]!;
        assert.equal(issue.if, "${{ failure() }}");
        assert.equal(job.permissions.issues, "write");
        // No step swallows the drill's exit code.
        assert.equal(job.steps[drill]!.if, undefined);
        assert.doesNotMatch(job.steps[drill]!.run!, /\|\| true|continue-on-error/);
    });
});
