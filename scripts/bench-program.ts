// npm run bench:program -- [<stack>...] [--runs N]: how long `pulumi preview` spends in the program
// before the engine has every resource, measured without the CLI: the program under the SDK's
// own runner (@pulumi/pulumi/cmd/run) started as the language host starts it, against a stand-in
// resource monitor (scripts/program-run/). Side by side, in the same run: `npm run plan` for the
// same stack, and the policy pack's start under @pulumi/pulumi/cmd/run-policy-pack.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CheckFailedError, runCommand, UsageError } from "../src/cli/command";
import { previewUnderLanguageHost } from "./program-run/language-host";
import { buildPolicyPack, startPolicyPack } from "./program-run/policy-pack";

/** Issue 15's target for each stack, and for the policy pack, on a 2-core machine. */
const targetMs = 5000;
const stacks = ["local", "staging", "production"];
const root = path.resolve(__dirname, "..");

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[]) => `${seconds(median(values))} (${seconds(Math.min(...values))}–${seconds(Math.max(...values))})`;
const cell = (t: { wall: number[]; cpu: number[] }) => `${range(t.wall)} / ${seconds(median(t.cpu))}`;
const gnuTime = "/usr/bin/time";
const load = () =>
    os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ");

/** Wall and CPU time (user + system, with its child processes, by GNU time) of `npm run plan`. */
function timePlan(stack: string): { wallMs: number; cpuMs: number } {
    const start = process.hrtime.bigint();
    const result = spawnSync(gnuTime, ["-f", "cpu %U %S", path.join(root, "node_modules/.bin/tsx"), "src/plan/cli.ts", stack, "--json"], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 << 20,
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new CheckFailedError(`plan ${stack} exited ${result.status}: ${result.stderr.split("\n")[0]}`);
    const [, user, system] = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr) ?? [];
    return { wallMs, cpuMs: (Number(user) + Number(system)) * 1000 };
}

async function timeProgram(stack: string, cache: string): Promise<{ wallMs: number; cpuMs: number; exitMs: number; resources: number }> {
    const run = await previewUnderLanguageHost({ stack, tsNodeCacheDirectory: cache });
    if (run.exitCode !== 0) {
        const why = run.errors[0]?.message ?? run.stderr.trim().split("\n")[0] ?? "";
        throw new CheckFailedError(`the program for ${stack} exited ${run.exitCode} under cmd/run: ${why.split("\n")[0]}`);
    }
    if (run.lastRegistrationCpuMs === undefined)
        throw new UsageError("no /proc/<pid>/stat to read the program's CPU time from: run this on Linux");
    return {
        wallMs: run.lastRegistrationMs,
        cpuMs: run.lastRegistrationCpuMs,
        exitMs: run.exitMs,
        resources: run.registrations.length - 1,
    };
}

runCommand(
    {
        invocation: "npm run --silent bench:program --",
        positionals: "[<stack>...]",
        summary:
            "Times the program under @pulumi/pulumi/cmd/run, from process start to the last resource registered in a preview, " +
            "per stack, with a cold and a warm ts-node cache, beside `npm run plan` for the same stack; then the policy pack's " +
            "start under @pulumi/pulumi/cmd/run-policy-pack. Prints a Markdown table; exits 1 when a cold median exceeds 5 s.",
        options: { runs: { type: "string", value: "N", description: "runs per stack and measurement (default 3)" } },
        examples: ["npm run --silent bench:program", "npm run --silent bench:program -- production --runs 5"],
        notes: [
            "Cold: a fresh ts-node cache directory, as on a new CI runner. Warm: the same directory again, as on a laptop.",
            "The machine is shared: the load average before and after is printed with the table; record it with the figures.",
            "CPU time is read from /proc/<pid>/stat at the last registration (the plan's by GNU time, /usr/bin/time).",
        ],
    },
    async ({ values, positionals }) => {
        const runs = Number(values.runs ?? "3");
        if (!Number.isInteger(runs) || runs < 1)
            throw new UsageError(`--runs: expected an integer >= 1, got ${JSON.stringify(values.runs)}`);
        const chosen = positionals.length ? positionals : stacks;
        for (const s of chosen) if (!stacks.includes(s)) throw new UsageError(`unknown stack "${s}" (stacks: ${stacks.join(", ")})`);

        if (!fs.existsSync(gnuTime)) throw new UsageError(`${gnuTime} not found: install GNU time (apt-get install time)`);
        const loadBefore = load();
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-program-"));
        const rows: string[] = [];
        const slow: string[] = [];
        try {
            for (const stack of chosen) {
                const plan = { wall: [] as number[], cpu: [] as number[] };
                const cold = { wall: [] as number[], cpu: [] as number[] };
                const warm = { wall: [] as number[], cpu: [] as number[] };
                const exit: number[] = [];
                let resources = 0;
                for (let i = 0; i < runs; i++) {
                    const planned = timePlan(stack);
                    plan.wall.push(planned.wallMs);
                    plan.cpu.push(planned.cpuMs);
                    const cache = fs.mkdtempSync(path.join(scratch, "ts-node-"));
                    const first = await timeProgram(stack, cache);
                    const second = await timeProgram(stack, cache);
                    cold.wall.push(first.wallMs);
                    cold.cpu.push(first.cpuMs);
                    exit.push(first.exitMs);
                    warm.wall.push(second.wallMs);
                    warm.cpu.push(second.cpuMs);
                    resources = first.resources;
                }
                if (median(cold.wall) > targetMs) slow.push(stack);
                rows.push(`| ${stack} | ${resources} | ${cell(plan)} | ${cell(cold)} | ${cell(warm)} | ${range(exit)} |`);
            }

            const buildStart = process.hrtime.bigint();
            buildPolicyPack();
            const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
            const packCold = { wall: [] as number[], cpu: [] as number[] };
            const packWarm = { wall: [] as number[], cpu: [] as number[] };
            for (let i = 0; i < runs; i++) {
                const cache = fs.mkdtempSync(path.join(scratch, "ts-node-"));
                for (const times of [packCold, packWarm]) {
                    const pack = await startPolicyPack({ stack: chosen[0]!, tsNodeCacheDirectory: cache });
                    pack.stop();
                    times.wall.push(pack.startMs);
                    times.cpu.push(pack.startCpuMs ?? NaN);
                }
            }
            if (median(packCold.wall) > targetMs) slow.push("policy pack");

            process.stdout.write(
                [
                    `program start under @pulumi/pulumi/cmd/run, ${runs} runs each, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}`,
                    `load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`,
                    "",
                    "| stack | resources | `npm run plan`, wall / CPU | cmd/run to last resource, cold cache, wall / CPU | warm cache, wall / CPU | cmd/run to exit, cold |",
                    "|---|---|---|---|---|---|",
                    ...rows,
                    "",
                    "| policy pack | build (`npm run build` in policies/) | start to port, cold cache, wall / CPU | warm cache, wall / CPU |",
                    "|---|---|---|---|",
                    `| policies/ under cmd/run-policy-pack | ${seconds(buildMs)} | ${cell(packCold)} | ${cell(packWarm)} |`,
                    "",
                    "wall: median (min–max); CPU: median user + system time of the process (the plan's with its tsx child), which other load inflates far less than wall time",
                    "",
                ].join("\n"),
            );
        } finally {
            fs.rmSync(scratch, { recursive: true, force: true });
        }
        if (slow.length) throw new CheckFailedError(`over the ${targetMs / 1000} s target (cold median): ${slow.join(", ")}`);
        return 0;
    },
);
