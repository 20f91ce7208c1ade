// npm run --silent dr-drill -- --from <stack> [--keep] [--plan [--json]] [--detector-url URL] [--mlflow-url URL] [--reports DIR]
import { resolve } from "node:path";
import { CheckFailedError, requireTool, runCommand, UsageError } from "../cli/command";
import { planJson, planTree } from "../plan/render";
import { s3BackupReader } from "./backups";
import { runDrill } from "./drill";
import { planDrill, sharedNames, undeletable } from "./plan";
import { localWorkspace } from "./workspace";

const pulumiMissing = "pulumi CLI not found: install it (https://www.pulumi.com/docs/iac/download-install/) or run npx pulumi";

runCommand(
    {
        invocation: "npm run --silent dr-drill --",
        summary:
            "The quarterly DR test: creates a drill stack from <stack>'s config, restores its latest backups, checks models, detector, MLflow and row counts, times each RTO, writes a report and destroys the stack.",
        options: {
            from: { type: "string", value: "STACK", description: "the source stack (staging or production); required" },
            keep: { type: "boolean", description: "keep the drill stack afterwards (destroy it yourself)" },
            plan: { type: "boolean", description: "only plan the drill stack, offline, from Pulumi.<STACK>.yaml (no Pulumi CLI, no cloud); exit 1 if it would collide with its source or could not be destroyed" },
            json: { type: "boolean", description: "with --plan: print the plan as JSON (the shape of `npm run plan -- --json`)" },
            "detector-url": { type: "string", value: "URL", description: "reach the detector here instead of the stack output (e.g. a port-forward)" },
            "mlflow-url": { type: "string", value: "URL", description: "reach MLflow here instead of the stack output" },
            reports: { type: "string", value: "DIR", description: "where the report goes (default docs/dr-reports)" },
        },
        maxPositionals: 0,
        examples: ["npm run --silent dr-drill -- --from staging", "npm run --silent dr-drill -- --from production --plan --json > drill-plan.json"],
        notes: [
            "Needs the Pulumi CLI (except --plan), the source stack's state and AWS credentials that can read its backup bucket.",
            "Exit codes: 0 drill passed, 1 drill failed (see the report), 2 usage or environment error.",
        ],
    },
    async ({ values }) => {
        if (!values.from) throw new UsageError("--from <stack> is required");
        if (values.json && !values.plan) throw new UsageError("--json goes with --plan");
        if (values.plan) {
            const { source, drill } = await planDrill(values.from, { root: process.cwd() });
            process.stdout.write(`${values.json ? planJson(drill) : planTree(drill)}\n`);
            const problems = [
                ...sharedNames(source, drill).map((n) => `${n.kind} "${n.name}" is already ${source.stack}'s (${n.urn})`),
                ...undeletable(drill).map((u) => `${u.urn}: ${u.reason}`),
            ];
            for (const problem of problems) process.stderr.write(`dr-drill: ${problem}\n`);
            if (problems.length > 0) throw new CheckFailedError(`the drill stack of ${source.stack} would not deploy beside it or not be destroyed (${problems.length} problems above)`);
            return 0;
        }
        try {
            requireTool("pulumi", "https://www.pulumi.com/docs/iac/download-install/");
        } catch {
            throw new UsageError(pulumiMissing);
        }
        const root = process.cwd();
        const reportDir = resolve(root, values.reports ?? "docs/dr-reports");
        const report = await runDrill({
            from: values.from,
            keep: values.keep === true,
            now: () => new Date(),
            workspace: localWorkspace(root),
            backups: s3BackupReader(),
            fetch,
            reportDir,
            detectorUrl: values["detector-url"],
            mlflowUrl: values["mlflow-url"],
            progress: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(`dr-drill: ${report.stack} ${report.status}${report.error ? `: ${report.error}` : ""} (report ${reportDir}/${report.stack}.md)\n`);
        return report.status === "passed" ? 0 : 1;
    },
);
