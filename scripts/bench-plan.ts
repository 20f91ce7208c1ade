// npm run bench:plan [-- --runs N]: wall-clock time of `npm run --silent plan -- <stack>` per stack,
// as a newcomer or CI runs it (a fresh process each time: Node start, TypeScript load, program, mocks).
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { CheckFailedError, runCommand, UsageError } from "../src/cli/command";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules/.bin/tsx");

runCommand(
    {
        invocation: "npm run --silent bench:plan --",
        summary: "Wall-clock time of `npm run --silent plan -- <stack> --json` per stack, each run a fresh process (docs/benchmarks.md).",
        options: { runs: { type: "string", value: "N", description: "runs per stack (default 5)" } },
        maxPositionals: 0,
        examples: ["npm run --silent bench:plan -- --runs 3"],
        notes: ["Exit codes: 0 measured, 1 a plan failed, 2 usage error."],
    },
    ({ values }) => {
        const runs = Number(values.runs ?? "5");
        if (!Number.isInteger(runs) || runs < 1)
            throw new UsageError(`--runs: expected an integer >= 1, got ${JSON.stringify(values.runs)}`);
        process.stdout.write(measure(runs));
        return 0;
    },
);

function measure(runs: number): string {
    const rows: string[] = [];
    for (const stack of ["local", "staging", "production"]) {
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const start = process.hrtime.bigint();
            const result = spawnSync(tsx, ["src/plan/cli.ts", stack, "--json"], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
            if (result.status !== 0) throw new CheckFailedError(`plan ${stack} exited ${result.status}: ${result.stderr.split("\n")[0]}`);
            times.push(Number(process.hrtime.bigint() - start) / 1e9);
        }
        times.sort((a, b) => a - b);
        const resources = (
            JSON.parse(
                spawnSync(tsx, ["src/plan/cli.ts", stack, "--json"], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 }).stdout,
            ) as { resources: unknown[] }
        ).resources.length;
        const fmt = (s: number) => `${s.toFixed(2)} s`;
        rows.push(
            `| ${stack} | ${resources} | ${fmt(times[0])} | ${fmt(times[Math.floor(times.length / 2)])} | ${fmt(times[times.length - 1])} |`,
        );
    }
    return [
        `plan wall-clock time, ${runs} runs per stack, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}`,
        "",
        "| stack | resources | min | median | max |",
        "|---|---|---|---|---|",
        ...rows,
        "",
    ].join("\n");
}
