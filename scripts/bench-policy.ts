// npm run bench:policy [-- --runs N]: time the policy evaluation of the production stack beyond
// the plan. The plan runs first (its time is reported apart); then, in the same process, the
// pack's modules and config are loaded and the stack evaluated once (cold), then N more times.
// A ×10 copy of the stack shows how evaluation grows. Exits 1 when the cold run exceeds 2 s.
import * as os from "node:os";
import { runCommand, UsageError } from "../src/cli/command";
import { planStack } from "../src/plan/run";

const budgetSeconds = 2;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const fmt = (s: number) => `${(s * 1000).toFixed(0)} ms`;

async function main(runs: number): Promise<number> {
    let start = process.hrtime.bigint();
    const plan = await planStack("production");
    const planTime = seconds(start);

    // Loaded after the plan on purpose: the cold figure includes loading the pack.
    start = process.hrtime.bigint();
    const { pack } = await import("../src/policy/pack");
    const { loadStackConfig } = await import("../src/policy/config");
    const { evaluate } = await import("../src/policy/evaluate");
    const { planResources } = await import("../src/policy/run");
    const config = loadStackConfig("production", pack.policies);
    const resources = planResources(plan);
    await evaluate(pack, resources, config);
    const cold = seconds(start);

    const timed = async (input: typeof resources) => {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const t = process.hrtime.bigint();
            await evaluate(pack, input, config);
            times.push(seconds(t));
        }
        return times.sort((a, b) => a - b);
    };
    const warm = await timed(resources);
    const tenfold = Array.from({ length: 10 }, (_, copy) =>
        resources.map((r) => ({ ...r, urn: `${r.urn}-${copy}`, name: `${r.name}-${copy}` })),
    ).flat();
    const large = await timed(tenfold);
    const median = (t: number[]) => t[Math.floor(t.length / 2)];

    process.stdout.write(
        [
            `policy evaluation of production (${pack.policies.length} policies), ${runs} warm runs, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}`,
            "",
            "| measurement | resources | time |",
            "|---|---|---|",
            `| plan (not counted) | ${resources.length} | ${fmt(planTime)} |`,
            `| cold: load pack and config, evaluate once | ${resources.length} | ${fmt(cold)} |`,
            `| warm evaluation, median (min–max) | ${resources.length} | ${fmt(median(warm))} (${fmt(warm[0])}–${fmt(warm[warm.length - 1])}) |`,
            `| warm evaluation ×10 stack, median | ${tenfold.length} | ${fmt(median(large))} |`,
            "",
            `budget: ${budgetSeconds} s beyond the plan: ${cold <= budgetSeconds ? "met" : "EXCEEDED"}`,
            "",
        ].join("\n"),
    );
    return cold <= budgetSeconds ? 0 : 1;
}

runCommand(
    {
        invocation: "npm run --silent bench:policy --",
        summary: `Times the policy evaluation of the production stack beyond its plan: cold (loading the pack) and warm runs, and a x10 stack. Budget ${budgetSeconds} s cold.`,
        options: { runs: { type: "string", value: "N", description: "warm runs (default 20)" } },
        maxPositionals: 0,
        examples: ["npm run --silent bench:policy -- --runs 10"],
        notes: [`Exit codes: 0 within budget, 1 the cold run exceeded ${budgetSeconds} s, 2 usage error.`],
    },
    ({ values }) => {
        const runs = Number(values.runs ?? "20");
        if (!Number.isInteger(runs) || runs < 1)
            throw new UsageError(`--runs: expected an integer >= 1, got ${JSON.stringify(values.runs)}`);
        return main(runs);
    },
);
