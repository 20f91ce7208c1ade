import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { platformLabels } from "../../infra/platform/labels";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    id?: string;
}
interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    container?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix: { stack: string[] } };
    outputs?: Record<string, string>;
    env?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    on: Record<string, any>;
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const workflowFiles = fs.readdirSync(path.join(root, ".github/workflows")).map((f) => `.github/workflows/${f}`);
const actionFiles = fs.readdirSync(path.join(root, ".github/actions")).map((d) => `.github/actions/${d}/action.yml`);
const delivery = parse(read(".github/workflows/delivery.yml")) as Workflow;
const operations = parse(read(".github/workflows/operations.yml")) as Workflow;
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
const stacks = fs
    .readdirSync(root)
    .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
    .sort();

const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
const needs = (job: Job) => [job.needs ?? []].flat();
/** Index of the first step whose `run` matches, failing the test when there is none. */
function stepIndex(job: Job, pattern: RegExp): number {
    const i = job.steps.findIndex((s) => s.run !== undefined && pattern.test(s.run));
    assert.ok(i >= 0, `no step runs ${pattern}`);
    return i;
}
function smokeCheckIndex(job: Job, stack: string): number {
    const i = job.steps.findIndex((s) => s.uses === "./.github/actions/smoke-check" && s.with?.stack === stack);
    assert.ok(i >= 0, `no smoke check of ${stack}`);
    return i;
}
function allSteps(): [string, Step][] {
    const fromWorkflows = workflowFiles.flatMap((file) =>
        Object.entries((parse(read(file)) as Workflow).jobs).flatMap(([name, job]) =>
            job.steps.map((s): [string, Step] => [`${file} ${name}`, s]),
        ),
    );
    const fromActions = actionFiles.flatMap((file) =>
        (parse(read(file)) as { runs: { steps: Step[] } }).runs.steps.map((s): [string, Step] => [file, s]),
    );
    return [...fromWorkflows, ...fromActions];
}

describe("delivery workflow", () => {
    it("runs on pull requests and on pushes to main only", () => {
        assert.deepEqual(Object.keys(delivery.on).sort(), ["pull_request", "push"]);
        assert.deepEqual(delivery.on.push.branches, ["main"]);
        assert.deepEqual(delivery.permissions, { contents: "read" });
    });

    it("tests with .ci/run itself, in the Debian release whose packages it installs", () => {
        const job = delivery.jobs.test;
        stepIndex(job, /^\.ci\/run$/);
        const ciRun = read(".ci/run");
        assert.match(ciRun, /^npm ci\b/m);
        assert.match(ciRun, /^npm test$/m);
        assert.ok((fs.statSync(path.join(root, ".ci/run")).mode & 0o111) !== 0, ".ci/run must be executable");
        // .ci/run installs postgresql-15, which is bookworm's; the image is pinned to an exact Node release.
        assert.match(ciRun, /postgresql-15/);
        assert.match(job.container ?? "", /^node:\d+\.\d+\.\d+-bookworm$/);
        // moto_server is the one tool .ci/run expects and does not install.
        assert.match(ciRun, /moto_server/);
        assert.ok(
            runs(job).some((r) => /pip install .*'moto\[server\]==\d+\.\d+\.\d+'/.test(r)),
            "moto pinned and installed",
        );
    });

    it("plans and policy-checks every stack in the repository", () => {
        const job = delivery.jobs.plan;
        assert.deepEqual([...job.strategy!.matrix.stack].sort(), stacks);
        assert.deepEqual(stacks, ["local", "production", "staging"]);
        stepIndex(job, /^npm run --silent plan -- \$\{\{ matrix\.stack \}\}$/);
        stepIndex(job, /^npm run --silent policy -- \$\{\{ matrix\.stack \}\}$/);
    });

    it("previews with the policy pack on pull requests, and skips cleanly without credentials", () => {
        const job = delivery.jobs.preview;
        assert.equal(job.if, "github.event_name == 'pull_request'");
        assert.deepEqual(job.strategy!.matrix.stack, ["staging", "production"]);
        const check = job.steps[0];
        assert.equal(check.id, "credentials");
        assert.match(check.run!, /PULUMI_ACCESS_TOKEN/);
        assert.match(check.run!, /AWS_ROLE_ARN/);
        for (const step of job.steps.slice(1))
            assert.equal(
                step.if,
                "steps.credentials.outputs.configured == 'true'",
                `${step.name ?? step.uses} must be skipped without credentials`,
            );
        stepIndex(
            job,
            /pulumi preview --stack \$\{\{ matrix\.stack \}\} .*--policy-pack policies --policy-pack-config policies\/config\/\$\{\{ matrix\.stack \}\}\.json/,
        );
    });

    it("scans dependencies and writes the SBOM, keeping both reports", () => {
        const job = delivery.jobs.security;
        stepIndex(job, /^npm run --silent security-scan\b/);
        stepIndex(job, /^npm run --silent sbom -- --out reports\/sbom\.cdx\.json$/);
        assert.ok(job.steps.some((s) => s.uses?.startsWith("actions/upload-artifact@") && s.with?.path === "reports/"));
    });

    it("deploys staging from main after tests, plans and the scan, then smoke-checks it", () => {
        const job = delivery.jobs["deploy-staging"];
        assert.equal(job.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
        assert.deepEqual(needs(job).sort(), ["image-scan", "plan", "security", "test"]);
        const up = stepIndex(job, /pulumi up --stack staging --yes/);
        const smoke = smokeCheckIndex(job, "staging");
        assert.ok(smoke > up, "smoke checks follow the update");
        assert.ok(
            /--policy-pack policies --policy-pack-config policies\/config\/staging\.json/.test(job.steps[up].run!),
            "the policy pack, with staging's config, also gates the real update",
        );
        assert.equal(job.outputs?.["detector-image"], "${{ steps.release.outputs.detector-image }}");
        const release = job.steps.find((s) => s.id === "release");
        assert.match(release!.run!, /pulumi stack output detectorImage --stack staging/);
        assert.match(release!.run!, /npm run --silent promote -- .*--dry-run/);
        // The canary is followed to the end before the digest is recorded, and its verdict saved for production's gate.
        const canary = job.steps.findIndex((s) => s.id === "canary");
        assert.ok(canary > smoke && canary < job.steps.indexOf(release!));
        assert.match(
            job.steps[canary]!.run!,
            /npx tsx src\/release\/cli\.ts rollout staging --image "\$image" --save staging-rollout\.json/,
        );
        assert.equal(job.outputs?.["staging-rollout"], "${{ steps.canary.outputs.staging-rollout }}");
    });

    it("deploys production once, by promote, behind the approval environment with the digest staging ran", () => {
        const job = delivery.jobs["deploy-production"];
        assert.deepEqual(needs(job), ["deploy-staging"]);
        assert.equal(job.environment, "production");
        // promote pins the digest, runs pulumi up itself (src/release/promote.ts) and follows the canary:
        // a second `pulumi up` would be a second deploy. Its policy pack is checked in pulumi-commands.test.ts.
        assert.deepEqual(
            runs(job).filter((r) => /pulumi up\b/.test(r)),
            [],
            "no separate pulumi up in the production job",
        );
        const deploys = job.steps.filter((s) => /npm run --silent promote\b/.test(s.run ?? "") && !/--dry-run/.test(s.run!));
        assert.equal(deploys.length, 1, "exactly one deploy");
        const promote = stepIndex(
            job,
            /^npm run --silent promote -- --from staging --to production --image "\$DETECTOR_IMAGE" --prometheus-url "\$STAGING_PROMETHEUS_URL" --source-rollout staging-rollout\.json$/m,
        );
        assert.equal(job.steps[promote].env?.DETECTOR_IMAGE, "${{ needs.deploy-staging.outputs.detector-image }}");
        // Staging's Rollout verdict, recorded where staging's cluster is reachable (the staging job's `rollout --save`).
        assert.equal(job.steps[promote].env?.STAGING_ROLLOUT, "${{ needs.deploy-staging.outputs.staging-rollout }}");
        assert.match(job.steps[promote].run!, /printf '%s' "\$STAGING_ROLLOUT" \| base64 -d > staging-rollout\.json\n/);
        // The load-test gate reads staging's Prometheus, which the production job cannot port-forward to.
        assert.equal(job.steps[promote].env?.STAGING_PROMETHEUS_URL, "${{ secrets.STAGING_PROMETHEUS_URL }}");
        assert.match(
            job.steps[promote].run!,
            /if \[ -z "\$STAGING_PROMETHEUS_URL" \]; then[\s\S]*exit 2\n\s*fi\n[^\n]*\n\s*npm run/,
            "an unset URL stops the job before the deploy",
        );
        assert.ok(smokeCheckIndex(job, "production") > promote, "smoke checks follow the deploy");
    });

    it("documents every secret and variable the workflows read in docs/operations.md", () => {
        const table = read("docs/operations.md").split("### Secrets and variables the workflows expect")[1]!.split("\n## ")[0]!;
        const used = new Set(
            [...workflowFiles, ...actionFiles].flatMap((file) =>
                [...read(file).matchAll(/\$\{\{\s*(secrets|vars)\.([A-Z0-9_]+)/g)].map((m) => `${m[1]}.${m[2]}`),
            ),
        );
        assert.ok(used.has("secrets.STAGING_PROMETHEUS_URL"));
        for (const ref of used) {
            const [kind, name] = ref.split(".") as [string, string];
            const row = table.split("\n").find((l) => l.startsWith("|") && l.includes(`\`${name}\``));
            assert.ok(row, `${ref} is not in the table`);
            assert.match(row, kind === "secrets" ? /\| secrets? \|/ : /\| variables? \|/, `${ref}: listed as the wrong kind`);
        }
    });

    it("grants id-token only to jobs that log into AWS", () => {
        for (const [name, job] of Object.entries({ ...delivery.jobs, ...operations.jobs })) {
            const logsIn = job.steps.some((s) => s.uses === "./.github/actions/cloud-login");
            assert.equal(job.permissions?.["id-token"] === "write", logsIn, `${name}: id-token: write iff it uses cloud-login`);
        }
    });
});

describe("operations workflow", () => {
    it("runs the morning health check on business days through port-forwards", () => {
        assert.ok(operations.on.schedule.some((s: { cron: string }) => s.cron === "0 7 * * 1-5"));
        const job = operations.jobs.health;
        assert.deepEqual(job.strategy!.matrix.stack, ["staging", "production"]);
        stepIndex(job, /^npm run --silent health -- \$\{\{ matrix\.stack \}\} --port-forward$/);
    });

    it("runs the security scan on Mondays and Fridays (the manual's weekly maintenance and security review) with FAIL_ON_MEDIUM=true and the SBOM", () => {
        // cron day-of-week: 1 is Monday, 5 is Friday (crontab(5); GitHub's schedule syntax is POSIX cron).
        assert.ok(operations.on.schedule.some((s: { cron: string }) => s.cron === "0 6 * * 1,5"));
        assert.equal(operations.jobs.security.if, "github.event.schedule == '0 6 * * 1,5' || inputs.task == 'security'");
        assert.equal(operations.jobs["image-scan"].if, operations.jobs.security.if);
        const job = operations.jobs.security;
        const scan = job.steps[stepIndex(job, /^npm run --silent security-scan\b/)];
        assert.equal(scan.env?.FAIL_ON_MEDIUM, "true");
        stepIndex(job, /^npm run --silent sbom\b/);
    });
});

describe("container image scan", () => {
    /** The images the AWS stacks build and run (infra/index.ts: the backup runner and the MLflow mirror). */
    const images = ["backup", "mlflow"];

    for (const [name, workflow, severity] of [
        ["delivery", delivery, "HIGH,CRITICAL"],
        ["operations", operations, "MEDIUM,HIGH,CRITICAL"],
    ] as const) {
        it(`${name}: builds the backup and MLflow images and scans each with Trivy, failing at ${severity}`, () => {
            const job = workflow.jobs["image-scan"];
            const include = (job.strategy!.matrix as unknown as { include: { image: string; dockerfile: string; context: string }[] })
                .include;
            assert.deepEqual(include.map((i) => i.image).sort(), images);
            for (const i of include) {
                assert.equal(i.dockerfile, `images/${i.image}/Dockerfile`);
                assert.ok(fs.existsSync(path.join(root, i.context)), i.context);
            }
            const build = job.steps.findIndex((s) => s.run?.startsWith("docker build"));
            const scan = job.steps.findIndex((s) => s.uses?.startsWith("aquasecurity/trivy-action@"));
            assert.ok(build >= 0 && scan > build, "the built image is scanned");
            assert.equal(job.steps[build]!.env!.IMAGE, job.steps[scan]!.with!["image-ref"]);
            // trivy-action inputs (action.yaml at v0.36.0): exit-code makes findings fail the job.
            assert.deepEqual(
                { ...job.steps[scan]!.with, "image-ref": undefined },
                {
                    "image-ref": undefined,
                    "scan-type": "image",
                    "vuln-type": "os,library",
                    severity,
                    "ignore-unfixed": true,
                    "exit-code": "1",
                    format: "table",
                },
            );
        });
    }
});

describe("workflows and actions", () => {
    it("pin every third-party action by commit SHA, with the release it is", () => {
        for (const file of [...workflowFiles, ...actionFiles]) {
            for (const line of read(file)
                .split("\n")
                .filter((l) => /^\s*(- )?uses:/.test(l))) {
                const ref = line.replace(/^\s*(- )?uses:\s*/, "");
                if (ref.startsWith("./")) continue;
                assert.match(ref, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/, `${file}: ${ref}`);
            }
        }
    });

    it("smoke-check by the labels the SmokeCheck Job carries", () => {
        const action = parse(read(".github/actions/smoke-check/action.yml")) as { runs: { steps: Step[] } };
        const selector = action.runs.steps[0].env!.SELECTOR.replace("${{ inputs.stack }}", "staging");
        const jobLabels = platformLabels("smoke-check", "smoke-check", "staging");
        for (const pair of selector.split(",")) {
            const [key, value] = pair.split("=");
            assert.equal(jobLabels[key], value, `${key} is not a label of the Job`);
        }
    });

    it("use local actions that exist", () => {
        for (const [where, step] of allSteps()) {
            if (step.uses?.startsWith("./")) assert.ok(fs.existsSync(path.join(root, step.uses, "action.yml")), `${where}: ${step.uses}`);
        }
    });

    it("call only npm scripts that package.json defines", () => {
        const called = allSteps().flatMap(([, s]) => [...(s.run ?? "").matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((m) => m[1]));
        assert.ok(called.length >= 6);
        for (const name of called) assert.ok(name in scripts, `npm run ${name}: no such script`);
    });

    it("never expand untrusted expressions inside shell scripts", () => {
        // Values from outputs and events reach scripts through env; only fixed values are inlined.
        for (const [where, step] of allSteps()) {
            for (const m of (step.run ?? "").matchAll(/\$\{\{\s*([^}]+?)\s*\}\}/g)) {
                assert.ok(["matrix.stack", "github.sha"].includes(m[1]), `${where}: \${{ ${m[1]} }} inside run`);
            }
        }
    });
});
