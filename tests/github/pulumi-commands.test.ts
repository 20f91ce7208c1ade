// Every `pulumi up` / `pulumi preview` this repository tells a machine or a person to run, checked
// against the Pulumi CLI's documented flags and paired with the stack's policy config.
//
// The Pulumi CLI documents (https://www.pulumi.com/docs/iac/cli/commands/pulumi_up/ and
// https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/):
//   --policy-pack stringArray         Run one or more policy packs as part of this update
//   --policy-pack-config stringArray  Path to JSON file containing the config for the policy pack
//                                     of the corresponding "--policy-pack" flag
// i.e. the n-th config belongs to the n-th pack; a pack without one runs with its policies'
// default enforcement, which is not what `npm run policy -- <stack>` checks.
//
// Production is deployed by `npm run promote`, whose `pulumi up` is the Automation API's
// (src/release/stack.ts): its command line is captured from a stand-in `pulumi` on the PATH and
// checked like the workflows' own.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { openAutomationStack } from "../../src/release/stack";
import { scratchDir } from "../infra/monitoring/helpers";
import { configDir, loadStackConfig } from "../../src/policy/config";
import { pack } from "../../src/policy/pack";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

/** Flags of the two commands as the pages above list them (those a deploy could plausibly use); `true`: takes a value. */
const shared: Record<string, boolean> = {
    "--stack": true,
    "-s": true,
    "--cwd": true,
    "-C": true,
    "--non-interactive": false,
    "--diff": false,
    "--message": true,
    "-m": true,
    "--policy-pack": true,
    "--policy-pack-config": true,
    "--config-file": true,
    "--refresh": false,
    "-r": false,
    "--target": true,
    "-t": true,
    "--parallel": true,
    "-p": true,
    "--json": false,
    "-j": false,
    "--expect-no-changes": false,
    "--suppress-outputs": false,
    "--show-secrets": false,
    "--color": true,
    "--debug": false,
    "-d": false,
    "--verbose": true,
    "-v": true,
    "--logtostderr": false,
};
const documentedFlags: Record<string, Record<string, boolean>> = {
    up: { ...shared, "--yes": false, "-y": false, "--skip-preview": false, "-f": false, "--plan": true, "--continue-on-error": false },
    preview: { ...shared, "--save-plan": true, "--import-file": true },
};

interface PulumiCommand {
    where: string;
    text: string;
    subcommand: "up" | "preview";
    flags: [string, string | undefined][];
}

/** Splits one command line (no pipes or substitutions: these are plain invocations) into words. */
function words(line: string): string[] {
    return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function parseCommand(where: string, text: string): PulumiCommand {
    const all = words(text);
    const at = all.findIndex((w, i) => w === "pulumi" && (all[i + 1] === "up" || all[i + 1] === "preview"));
    const subcommand = all[at + 1] as "up" | "preview";
    const known = documentedFlags[subcommand]!;
    const flags: [string, string | undefined][] = [];
    for (let i = at + 2; i < all.length; i++) {
        const word = all[i]!;
        if (!word.startsWith("-")) continue;
        const [flag, inline] = word.includes("=") ? word.split(/=(.*)/s, 2) : [word, undefined];
        assert.ok(flag! in known, `${where}: ${flag} is not a flag of pulumi ${subcommand}`);
        const value = known[flag!] ? (inline ?? all[++i]) : undefined;
        if (known[flag!]) assert.ok(value !== undefined && !value.startsWith("-"), `${where}: ${flag} needs a value`);
        flags.push([flag!, value]);
    }
    return { where, text, subcommand, flags };
}

const commandPattern = /(?:npx )?pulumi (?:up|preview)\b[^\n`&;|]*/g;

/** Run steps of every workflow job, with the job's matrix stacks substituted for `${{ matrix.stack }}`. */
function workflowCommands(): PulumiCommand[] {
    const dir = path.join(root, ".github/workflows");
    return fs.readdirSync(dir).flatMap((file) => {
        const workflow = parse(read(`.github/workflows/${file}`)) as {
            jobs: Record<string, { strategy?: { matrix?: { stack?: string[] } }; steps: { run?: string }[] }>;
        };
        return Object.entries(workflow.jobs).flatMap(([name, job]) =>
            job.steps.flatMap((step) =>
                (step.run?.match(commandPattern) ?? []).flatMap((text) =>
                    text.includes("${{ matrix.stack }}")
                        ? job.strategy!.matrix!.stack!.map((stack) =>
                              parseCommand(`${file} ${name} [${stack}]`, text.replaceAll("${{ matrix.stack }}", stack)),
                          )
                        : [parseCommand(`${file} ${name}`, text)],
                ),
            ),
        );
    });
}

/** Commands in the docs: inline code spans (which may wrap) and fenced blocks. */
function docCommands(): PulumiCommand[] {
    const files = [
        "README.md",
        ...fs
            .readdirSync(path.join(root, "docs"))
            .filter((f) => f.endsWith(".md"))
            .map((f) => `docs/${f}`),
    ];
    return files.flatMap((file) => {
        const text = read(file);
        const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]!);
        const inline = [...text.replace(/```[a-z]*\n[\s\S]*?```/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\s*\n\s*/g, " "));
        return [...fenced, ...inline].flatMap((chunk) => (chunk.match(commandPattern) ?? []).map((c) => parseCommand(file, c)));
    });
}

/**
 * The `pulumi up` that `npm run promote -- production` runs: openAutomationStack's up, with a
 * stand-in `pulumi` first on the PATH that records its arguments and answers the Automation API's
 * other calls (version, stack select, stack output, stack history) as the CLI does when empty.
 */
async function promoteUpCommand(stack: string): Promise<PulumiCommand> {
    const dir = scratchDir("fake-pulumi");
    const log = path.join(dir.path, "calls.jsonl");
    fs.writeFileSync(
        path.join(dir.path, "pulumi"),
        `#!${process.execPath}
const args = process.argv.slice(2);
require("node:fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
if (args[0] === "version") process.stdout.write("v3.248.0\\n");
else if (args[0] === "stack" && args[1] === "output") process.stdout.write("{}");
else if (args[0] === "stack" && args[1] === "history") process.stdout.write("[]");
`,
        { mode: 0o755 },
    );
    const savedPath = process.env.PATH;
    process.env.PATH = `${dir.path}${path.delimiter}${savedPath}`;
    try {
        await (await openAutomationStack(stack)).up("release detector", () => undefined);
        const calls = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as string[]);
        const up = calls.filter((c) => c[0] === "up");
        assert.equal(up.length, 1, `one pulumi up, got: ${JSON.stringify(calls)}`);
        // Paths relative to the repository, as the workflows write them; `--exec-kind` is the
        // Automation API's own hidden flag (node_modules/@pulumi/pulumi/automation/stack.js), not a deploy option.
        const args = up[0]!.map((a) => (a.startsWith(`${root}/`) ? path.relative(root, a) : a));
        const kind = args.indexOf("--exec-kind");
        if (kind >= 0) args.splice(kind, 2);
        return parseCommand(`npm run promote -- ${stack} (src/release/stack.ts)`, `pulumi ${args.map((a) => `"${a}"`).join(" ")}`);
    } finally {
        process.env.PATH = savedPath;
        dir.remove();
    }
}

const values = (c: PulumiCommand, ...names: string[]) => c.flags.filter(([f]) => names.includes(f)).map(([, v]) => v!);

describe("pulumi up and preview, as the Pulumi CLI documents them", function () {
    this.timeout(30_000);
    const fromDocs = docCommands();
    /** The workflows' own commands, and the production deploy that the workflow's `npm run promote` runs. */
    let fromWorkflows: PulumiCommand[];
    before(async () => {
        fromWorkflows = [...workflowCommands(), await promoteUpCommand("production")];
    });

    it("finds the workflows' previews and both deploys, production's through promote", () => {
        const stacks = fromWorkflows.map((c) => `${c.subcommand} ${values(c, "--stack", "-s")[0]}`).sort();
        assert.deepEqual(stacks, ["preview production", "preview staging", "up production", "up staging"]);
        assert.match(
            fromWorkflows.find((c) => values(c, "--stack")[0] === "production" && c.subcommand === "up")!.where,
            /^npm run promote/,
        );
        assert.ok(
            fromDocs.some((c) => values(c, "--policy-pack").length > 0),
            "the docs show a policy-checked preview",
        );
    });

    it("promote's pulumi up carries the policy pack and production's policy config", () => {
        const up = fromWorkflows.find((c) => c.where.startsWith("npm run promote"))!;
        assert.deepEqual(values(up, "--policy-pack"), ["policies"], up.text);
        assert.deepEqual(values(up, "--policy-pack-config"), ["policies/config/production.json"], up.text);
    });

    for (const [kind, commands] of [
        ["workflows", () => fromWorkflows],
        ["docs", () => fromDocs],
    ] as const) {
        it(`${kind}: every --policy-pack has its --policy-pack-config, the stack's own file`, () => {
            for (const c of commands()) {
                const packs = values(c, "--policy-pack");
                const configs = values(c, "--policy-pack-config");
                if (packs.length === 0) continue;
                assert.deepEqual(packs, ["policies"], `${c.where}: ${c.text}`);
                assert.equal(configs.length, packs.length, `${c.where}: ${c.text}\n  each --policy-pack needs its --policy-pack-config`);
                const stack = values(c, "--stack", "-s")[0];
                // Prose may leave the stack implicit; then the file must still be one stack's config.
                const named = /^policies\/config\/([^/]+)\.json$/.exec(configs[0]!)?.[1];
                assert.ok(named !== undefined, `${c.where}: ${c.text}`);
                if (stack !== undefined) assert.equal(named, stack, `${c.where}: ${c.text}`);
                if (named !== "<stack>") assert.ok(fs.existsSync(path.join(configDir, `${named}.json`)), `${c.where}: no ${configs[0]}`);
            }
        });
    }

    it("the workflows' config files are the ones `npm run policy` reads, and they load", () => {
        for (const c of fromWorkflows) {
            const [config] = values(c, "--policy-pack-config");
            const stack = values(c, "--stack", "-s")[0]!;
            assert.equal(path.resolve(root, config!), path.join(configDir, `${stack}.json`), c.where);
            assert.ok(loadStackConfig(stack, pack.policies).size === pack.policies.length, c.where);
        }
    });

    it("refuses what the CLI would refuse: a flag it does not have, a value-taking flag without its value", () => {
        assert.throws(() => parseCommand("t", "pulumi preview --yes --stack staging"), /--yes is not a flag of pulumi preview/);
        assert.throws(() => parseCommand("t", "pulumi up --stack staging --policy-pack"), /--policy-pack needs a value/);
        assert.throws(() => parseCommand("t", "pulumi up --policy-packs policies"), /--policy-packs is not a flag/);
        const c = parseCommand(
            "t",
            'npx pulumi up -s staging --policy-pack=policies --policy-pack-config policies/config/staging.json -m "a b"',
        );
        assert.deepEqual(c.flags, [
            ["-s", "staging"],
            ["--policy-pack", "policies"],
            ["--policy-pack-config", "policies/config/staging.json"],
            ["-m", "a b"],
        ]);
    });
});
