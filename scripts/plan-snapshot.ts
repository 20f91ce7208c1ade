// npm run --silent plan:snapshot -- DIR [--compare DIR2]: every stack's offline plan in one directory,
// so a change that must not change behaviour (a restructure, a rename) can be shown byte for byte:
//   <stack>.json        npm run --silent plan -- <stack> --json          (local, staging, production)
//   out-<stack>/        npm run --silent plan -- <stack> --out DIR
//   drill-<stack>.json  npm run --silent dr-drill -- --from <stack> --plan --json   (staging, production)
// The drill stack is named after the clock (dr-YYYYMMDD-HHMMSS) and the name reaches hashes in the
// plan, so the drill is planned at a fixed clock (--drill-clock) for two snapshots to be comparable.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CheckFailedError, runCommand, UsageError, type CommandSpec, type OptionSpec } from "../src/cli/command";

const root = path.resolve(__dirname, "..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const stacks = ["local", "staging", "production"];
const drillSources = ["staging", "production"];
const defaultDrillClock = "2026-01-01T00:00:00Z";

export const planSnapshotCommand = {
    invocation: "npm run --silent plan:snapshot --",
    positionals: "<DIR>",
    summary:
        "Writes every stack's offline plan (JSON, --out tree) and the DR drill plans into DIR; with --compare, lists the files that differ from another snapshot.",
    options: {
        compare: {
            type: "string",
            value: "DIR2",
            description: "after writing, compare DIR with DIR2 byte for byte; exit 1 if any file differs",
        },
        "drill-clock": {
            type: "string",
            value: "ISO",
            description: `the time the drill plans are made at, which names the drill stack (default ${defaultDrillClock})`,
        },
    },
    minPositionals: 1,
    maxPositionals: 1,
    examples: ["npm run --silent plan:snapshot -- /tmp/before", "npm run --silent plan:snapshot -- /tmp/after --compare /tmp/before"],
    notes: ["Exit codes: 0 written (and identical), 1 snapshots differ or a plan failed, 2 usage error."],
} satisfies CommandSpec<Record<string, OptionSpec>>;

if (require.main === module) {
    runCommand(planSnapshotCommand, ({ values, positionals: [dir] }) => {
        const target = path.resolve(dir!);
        if (values.compare !== undefined && !fs.statSync(values.compare, { throwIfNoEntry: false })?.isDirectory()) {
            throw new UsageError(`--compare ${values.compare}: not a directory`);
        }
        const clock = values["drill-clock"] ?? defaultDrillClock;
        if (Number.isNaN(Date.parse(clock)))
            throw new UsageError(`--drill-clock: expected an ISO time such as ${defaultDrillClock}, got ${JSON.stringify(clock)}`);
        writeSnapshot(target, new Date(clock));
        if (values.compare === undefined) return 0;
        const differing = compareSnapshots(target, path.resolve(values.compare));
        if (differing.length === 0) {
            process.stdout.write(`identical: ${target} and ${path.resolve(values.compare)}\n`);
            return 0;
        }
        process.stdout.write(differing.map((f) => `differs: ${f}\n`).join(""));
        throw new CheckFailedError(`${differing.length} file(s) differ between ${target} and ${path.resolve(values.compare)}`);
    });
}

/** Runs a CLI of this repository from the root, as `npm run` does, and returns its stdout. */
function run(args: string[]): string {
    const result = spawnSync(tsx, args, { cwd: root, encoding: "utf8", maxBuffer: 256 << 20 });
    if (result.status !== 0)
        throw new CheckFailedError(`tsx ${args.join(" ")} exited ${result.status}: ${result.stderr.trim().split("\n")[0]}`);
    return result.stdout;
}

function writeSnapshot(dir: string, clock: Date): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const stack of stacks) {
        // One run prints the JSON and writes the tree: the same program, planned once.
        fs.writeFileSync(
            path.join(dir, `${stack}.json`),
            run(["src/plan/cli.ts", stack, "--json", "--out", path.join(dir, `out-${stack}`)]),
        );
    }
    for (const source of drillSources) {
        // What `dr-drill --from <source> --plan --json` prints, with the clock given instead of read.
        const drill = `import { planDrill } from "./src/dr/plan"; import { planJson } from "./src/plan/render";
            planDrill(${JSON.stringify(source)}, { root: process.cwd(), now: new Date(${JSON.stringify(clock.toISOString())}) })
                .then(({ drill }) => process.stdout.write(planJson(drill) + "\\n"));`;
        fs.writeFileSync(path.join(dir, `drill-${source}.json`), run(["--eval", drill]));
    }
}

/** Every file path (relative; the snapshot's own files, not notes beside them such as a COMMIT file) present in either tree whose bytes differ or that only one side has. */
export function compareSnapshots(a: string, b: string): string[] {
    const files = new Set([...listFiles(a), ...listFiles(b)]);
    return [...files].sort().filter((f) => {
        const left = path.join(a, f);
        const right = path.join(b, f);
        return !fs.existsSync(left) || !fs.existsSync(right) || !fs.readFileSync(left).equals(fs.readFileSync(right));
    });
}

function listFiles(dir: string, prefix = ""): string[] {
    const entries = fs.readdirSync(path.join(dir, prefix), { withFileTypes: true });
    const own = prefix === "" ? entries.filter((e) => e.name.endsWith(".json") || e.name.startsWith("out-")) : entries;
    return own.flatMap((e) => {
        const rel = path.join(prefix, e.name);
        return e.isDirectory() ? listFiles(dir, rel) : [rel];
    });
}
