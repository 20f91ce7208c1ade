// npm run monitoring:docs    rewrites docs/runbooks/*.md and the alert table of docs/monitoring.md
// npm run bench:monitoring   times the promtool rule test suite (docs/benchmarks.md, Monitoring)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { docsConfig, runbookFiles, withAlertTable } from "./docs";
import { promtoolTestRules, shardedTestFiles } from "./promtool";
import { rulesYaml } from "./rules";
import { ruleTestSuite } from "./scenarios";

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
        writeFileSync(join(dir, "rules.yaml"), rulesYaml(docsConfig));
        const tests = ruleTestSuite(docsConfig);
        const files = shardedTestFiles("rules.yaml", tests, availableParallelism());
        for (const f of files) writeFileSync(join(dir, f.path), f.content);
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const start = process.hrtime.bigint();
            const results = await promtoolTestRules(dir, files.map((f) => f.path));
            times.push(Number(process.hrtime.bigint() - start) / 1e9);
            const failed = results.filter((r) => r.code !== 0);
            if (failed.length > 0) throw new Error(`promtool test rules failed:\n${failed.map((r) => r.output).join("\n")}`);
        }
        const cases = [...tests.values()].reduce((n, group) => n + group.length, 0);
        times.sort((a, b) => a - b);
        process.stdout.write(
            `promtool test rules: ${cases} test cases (alert cases and scenarios) in ${files.length} files on ${availableParallelism()} cores; ` +
                `${runs} runs, median ${times[Math.floor(runs / 2)].toFixed(2)} s, max ${times[runs - 1].toFixed(2)} s\n`,
        );
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "docs" && rest.length === 0) {
        writeDocs();
        return 0;
    }
    if (command === "bench" && rest.length <= 1) {
        const runs = rest.length === 1 ? Number(rest[0]) : 3;
        if (!Number.isInteger(runs) || runs < 1) {
            process.stderr.write(`error: runs: expected an integer >= 1, got ${JSON.stringify(rest[0])}\n`);
            return 2;
        }
        await bench(runs);
        return 0;
    }
    process.stderr.write("usage: tsx infra/monitoring/cli.ts docs | bench [runs]\n");
    return 2;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
        process.stderr.write(`error: ${e.message}\n`);
        process.exit(1);
    },
);
