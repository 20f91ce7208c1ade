// npm run --silent dr-drill -- --from <stack> [--keep] [--plan [--json]] [--detector-url URL] [--mlflow-url URL] [--reports DIR]
import { resolve } from "node:path";
import { CheckFailedError, requireTool, runCommand, UsageError } from "../cli/command";
import { portForward } from "../health/port-forward";
import { kubectlInstall } from "../release/kubectl";
import { requirePulumi } from "../release/pulumi-cli";
import { readStackFile } from "../release/stack-file";
import { planJson, planTree } from "../plan/render";
import { s3BackupReader } from "./backups";
import { destroyLeftDrill, runDrill } from "./drill";
import { planDrill, sharedNames, undeletable } from "./plan";
import { localWorkspace } from "./workspace";

runCommand(
    {
        invocation: "npm run --silent dr-drill --",
        summary:
            "The quarterly DR test: creates a drill stack from <stack>'s config, restores its latest backups, checks models, detector, MLflow and row counts, times each RTO, writes a report and destroys the stack.",
        options: {
            from: { type: "string", value: "STACK", description: "the source stack (staging or production); required" },
            keep: { type: "boolean", description: "keep the drill stack afterwards (destroy it yourself)" },
            plan: {
                type: "boolean",
                description:
                    "only plan the drill stack, offline, from Pulumi.<STACK>.yaml (no Pulumi CLI, no cloud); exit 1 if it would collide with its source or could not be destroyed",
            },
            json: { type: "boolean", description: "with --plan: print the plan as JSON (the shape of `npm run plan -- --json`)" },
            "detector-url": {
                type: "string",
                value: "URL",
                description: "reach the detector here instead of a kubectl port-forward to the drill stack's detectorUrl output",
            },
            "mlflow-url": { type: "string", value: "URL", description: "reach MLflow here instead of the stack output" },
            reports: { type: "string", value: "DIR", description: "where the report goes (default docs/dr-reports)" },
            destroy: {
                type: "string",
                value: "STACK",
                description:
                    "destroy and remove a drill stack a killed drill left (named by DIR/<STACK>.pending); refuses any stack that is not a drill",
            },
        },
        maxPositionals: 0,
        examples: [
            "npm run --silent dr-drill -- --from staging",
            "npm run --silent dr-drill -- --from production --plan --json > drill-plan.json",
            "npm run --silent dr-drill -- --destroy dr-20260101-060000 --reports reports/dr",
        ],
        notes: [
            "Needs the Pulumi CLI (except --plan), the source stack's state, AWS credentials that can read its backup bucket, and kubectl with the source's cluster (kubernetes.context): the drill reaches its detector and MLflow by port-forward, as `health` does. KUBECTL overrides the kubectl command.",
            "SIGINT or SIGTERM stops the drill and destroys its stack (unless --keep); the report names anything left behind.",
            "Exit codes: 0 drill passed, 1 drill failed (see the report), 2 usage or environment error.",
        ],
    },
    async ({ values }) => {
        const root = process.cwd();
        const reportDir = resolve(root, values.reports ?? "docs/dr-reports");
        if (values.destroy !== undefined) {
            requirePulumi();
            await destroyLeftDrill(localWorkspace(root), values.destroy, reportDir, (line) => process.stderr.write(`${line}\n`));
            process.stdout.write(`dr-drill: ${values.destroy} destroyed and removed\n`);
            return 0;
        }
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
            if (problems.length > 0)
                throw new CheckFailedError(
                    `the drill stack of ${source.stack} would not deploy beside it or not be destroyed (${problems.length} problems above)`,
                );
            return 0;
        }
        requirePulumi();
        // The drill stack runs in the source's cluster: its in-cluster URLs are reached with the source's credentials.
        const cluster = readStackFile(values.from).kubernetes;
        const kubectl = (process.env.KUBECTL ?? "kubectl").split(" ");
        const reach = async (url: string) => {
            requireTool(kubectl[0]!, kubectlInstall);
            return portForward({ kubectl, context: cluster.context, kubeconfig: cluster.kubeconfig }, url);
        };
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
            reach,
            progress: (line) => process.stderr.write(`${line}\n`),
        });
        process.stdout.write(
            `dr-drill: ${report.stack} ${report.status}${report.error ? `: ${report.error}` : ""} (report ${reportDir}/${report.stack}.md)\n`,
        );
        return report.status === "passed" ? 0 : 1;
    },
);
