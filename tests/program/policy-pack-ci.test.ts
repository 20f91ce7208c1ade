// The pack the CLI runs is policies/package.json's "main", built JavaScript (policies/bin): the
// CLI installs and builds only packs it downloads from Pulumi Cloud (pkg/backend/httpstate/
// policypack.go installRequiredPolicy, v3.248.0), never a local `--policy-pack` directory. So every
// workflow job that passes `--policy-pack policies` must build the pack in an earlier step of the
// same job, under the same condition: a job's steps run in order, on one runner
// (https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idsteps).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const root = path.resolve(__dirname, "../..");
const workflows = path.join(root, ".github/workflows");

interface Step {
    name?: string;
    if?: string;
    run?: string;
    uses?: string;
}
interface Workflow {
    jobs: Record<string, { steps?: Step[] }>;
}

const buildsPack = (step: Step) =>
    /\bnpm (--prefix policies run build|run build --prefix policies)\b|\(cd policies && npm (ci|install)\)/.test(step.run ?? "");
const usesPack = (step: Step) => /--policy-pack[ =]policies\b/.test(step.run ?? "");

/** "<job>: <step>" for every step that runs the pack with no build before it under the same condition. */
function unbuiltPackSteps(workflow: Workflow): string[] {
    const problems: string[] = [];
    for (const [id, job] of Object.entries(workflow.jobs)) {
        const steps = job.steps ?? [];
        steps.forEach((step, i) => {
            if (!usesPack(step)) return;
            const built = steps.slice(0, i).some((before) => buildsPack(before) && (before.if === undefined || before.if === step.if));
            if (!built) problems.push(`${id}: ${step.name ?? step.run}`);
        });
    }
    return problems;
}

describe("CI builds the policy pack before the CLI runs it", () => {
    const files = fs.readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f));

    it("the pack's main is the build's output", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "policies/package.json"), "utf8"));
        const tsconfig = parse(fs.readFileSync(path.join(root, "policies/tsconfig.json"), "utf8"));
        assert.equal(manifest.main, `${tsconfig.compilerOptions.outDir}/index.js`);
        assert.match(manifest.scripts.build, /^tsc -p tsconfig\.json\b/);
        // `npm ci` runs the package's own prepare script (https://docs.npmjs.com/cli/v11/using-npm/scripts#npm-ci).
        assert.equal(manifest.scripts.prepare, "npm run build", "npm ci in policies/ builds it");
    });

    for (const file of files) {
        it(`${file}: every step with --policy-pack policies has the pack built before it`, () => {
            assert.deepEqual(unbuiltPackSteps(parse(fs.readFileSync(path.join(workflows, file), "utf8"))), []);
        });
    }

    it("finds a job that runs the pack without building it", () => {
        const delivery = parse(fs.readFileSync(path.join(workflows, "delivery.yml"), "utf8")) as Workflow;
        const [id, job] = Object.entries(delivery.jobs).find(([, j]) => (j.steps ?? []).some(usesPack))!;
        job.steps = job.steps!.filter((s) => !buildsPack(s));
        assert.ok(unbuiltPackSteps(delivery).some((p) => p.startsWith(`${id}: `)));
    });
});
