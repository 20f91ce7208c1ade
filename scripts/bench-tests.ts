// npm run --silent bench:tests [-- --top N] [--json FILE] [FILE ...]: runs each mocha test file on
// its own (one after another, so that files do not compete with each other) under GNU time and
// prints the slowest by CPU (user + sys, which the other load of a shared machine moves far less
// than wall time), with wall time, the machine's load average at the start and end, and the total.
// Without files it times every tests/**/*.test.ts. A file that fails is still timed and marked.
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { runCommand, UsageError } from "../src/cli/command";

interface FileTime {
    file: string;
    wall: number;
    user: number;
    sys: number;
    passed: boolean;
}

const root = join(__dirname, "..");

function testFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const path = join(dir, e.name);
        if (e.isDirectory()) return testFiles(path);
        return e.name.endsWith(".test.ts") ? [relative(root, path)] : [];
    });
}

/** GNU time's `%e %U %S` on the last stderr line; mocha's own output is discarded. */
function timeFile(file: string): Promise<FileTime> {
    return new Promise((resolve, reject) => {
        const child = spawn("/usr/bin/time", ["-f", "%e %U %S", join(root, "node_modules/.bin/mocha"), file], {
            cwd: root,
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            const last = stderr.trim().split("\n").pop() ?? "";
            const [wall, user, sys] = last.split(" ").map(Number);
            if ([wall, user, sys].some((n) => n === undefined || Number.isNaN(n)))
                return reject(new Error(`${file}: no timing from /usr/bin/time: ${last}`));
            resolve({ file, wall: wall!, user: user!, sys: sys!, passed: code === 0 });
        });
    });
}

const s = (n: number) => n.toFixed(1);

async function main(files: string[], top: number, json: string | undefined): Promise<number> {
    const load = () =>
        loadavg()
            .map((l) => l.toFixed(2))
            .join(" ");
    const startLoad = load();
    const started = Date.now();
    const times: FileTime[] = [];
    for (const file of files) {
        const t = await timeFile(file);
        times.push(t);
        process.stderr.write(
            `${s(t.user + t.sys).padStart(6)} s CPU ${s(t.wall).padStart(6)} s wall  ${t.passed ? "" : "FAILED "}${file}\n`,
        );
    }
    const byCpu = [...times].sort((a, b) => b.user + b.sys - (a.user + a.sys));
    const sum = (f: (t: FileTime) => number) => times.reduce((acc, t) => acc + f(t), 0);
    const failed = times.filter((t) => !t.passed);
    process.stdout.write(
        [
            `${times.length} test files one at a time, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Node ${process.version}`,
            `load average (1/5/15 min): ${startLoad} at the start, ${load()} at the end; ${s((Date.now() - started) / 1000)} s in all`,
            "",
            "| test file | CPU user+sys (s) | wall (s) |",
            "|---|---|---|",
            ...byCpu.slice(0, top).map((t) => `| ${t.file}${t.passed ? "" : " (FAILED)"} | ${s(t.user + t.sys)} | ${s(t.wall)} |`),
            `| all ${times.length} files | ${s(sum((t) => t.user + t.sys))} | ${s(sum((t) => t.wall))} |`,
            "",
            ...(failed.length ? [`failed: ${failed.map((t) => t.file).join(", ")}`, ""] : []),
        ].join("\n"),
    );
    if (json) writeFileSync(json, `${JSON.stringify(byCpu, null, 2)}\n`);
    return failed.length ? 1 : 0;
}

runCommand(
    {
        invocation: "npm run --silent bench:tests --",
        positionals: "[<test file> ...]",
        summary:
            "Times each mocha test file alone under GNU time and prints the slowest by CPU (user+sys) with wall time and the load average.",
        options: {
            top: { type: "string", value: "N", description: "rows to print (default 10)" },
            json: { type: "string", value: "FILE", description: "also write every file's times as JSON" },
        },
        examples: [
            "npm run --silent bench:tests",
            "npm run --silent bench:tests -- --top 20 --json /tmp/times.json",
            "npm run --silent bench:tests -- tests/infra/monitoring/rules.test.ts",
        ],
        notes: ["Exit codes: 0 every file passed, 1 a file failed (it is still timed), 2 usage error."],
    },
    ({ values, positionals }) => {
        const top = Number(values.top ?? "10");
        if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top: expected an integer >= 1, got ${JSON.stringify(values.top)}`);
        const files = positionals.length ? positionals : testFiles(join(root, "tests")).sort();
        return main(files, top, values.json);
    },
);
