// npm run monitoring:docs    rewrites docs/runbooks/*.md and the alert table of docs/monitoring.md
// npm run bench:monitoring   times the promtool rule test suite (docs/benchmarks.md, Monitoring)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { requireTool, runCommand, UsageError } from "../cli/command";
import { docsConfig, runbookFiles, withAlertTable } from "./docs";
import { promtoolTestRules, scopedTestFiles } from "../../infra/monitoring/promtool";
import { ruleGroups } from "../../infra/monitoring/rules";
import { ruleTestSuite } from "../../infra/monitoring/scenarios";

const root = join(__dirname, "..", "..");

function writeDocs(): void {
    for (const file of runbookFiles()) {
        mkdirSync(dirname(join(root, file.path)), { recursive: true });
        writeFileSync(join(root, file.path), file.content);
    }
    const doc = join(root, "docs", "monitoring.md");
    writeFileSync(doc, withAlertTable(readFileSync(doc, "utf8")));
    process.stdout.write(`wrote ${runbookFiles().length} runbooks and the alert table of docs/monitoring.md\n`);
}

async function bench(runs: number): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), "rules-bench-"));
    try {
        const tests = ruleTestSuite(docsConfig);
        const { rules, batches } = scopedTestFiles(ruleGroups(docsConfig), tests, availableParallelism());
        const files = [...rules, ...batches.flat()];
        for (const f of files) writeFileSync(join(dir, f.path), f.content);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const start = process.hrtime.bigint();
            const results = await promtoolTestRules(
                dir,
                batches.map((b) => b.map((f) => f.path)),
            );
            times.push(Number(process.hrtime.bigint() - start) / 1e9);
            const failed = results.filter((r) => r.code !== 0);
            if (failed.length > 0)
                throw new Error(
                    `promtool test rules failed in ${failed.length} file(s): ${failed[0]!.output.split("\n").find((l) => l.trim()) ?? ""}`,
                );
        }
        const cases = [...tests.values()].reduce((n, group) => n + group.length, 0);
        times.sort((a, b) => a - b);
        process.stdout.write(
            `promtool test rules: ${cases} test cases (alert cases and scenarios) in ${batches.flat().length} files (each loading only the rule groups its cases read) on ${availableParallelism()} cores; ` +
                `${runs} runs, median ${times[Math.floor(runs / 2)].toFixed(2)} s, max ${times[runs - 1].toFixed(2)} s\n`,
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

runCommand(
    {
        invocation: "tsx src/monitoring/cli.ts",
        positionals: "docs | bench [runs]",
        summary:
            "docs: rewrites docs/runbooks/*.md and the alert table of docs/monitoring.md from the alert definitions. bench: times promtool's test of every rule (docs/benchmarks.md).",
        options: {},
        minPositionals: 1,
        maxPositionals: 2,
        examples: ["npm run --silent monitoring:docs", "npm run --silent bench:monitoring -- 5"],
        notes: ["Exit codes: 0 done, 2 usage error or promtool missing or failing."],
    },
    async ({ positionals: [command, runsArg] }) => {
        if (command === "docs" && runsArg === undefined) {
            writeDocs();
            return 0;
        }
        if (command === "bench") {
            const runs = runsArg === undefined ? 3 : Number(runsArg);
            if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`runs: expected an integer >= 1, got ${JSON.stringify(runsArg)}`);
            requireTool("promtool", "Debian: apt-get install prometheus");
            await bench(runs);
            return 0;
        }
        throw new UsageError(`expected docs or bench [runs], got ${[command, runsArg].filter(Boolean).join(" ")}`);
    },
);
