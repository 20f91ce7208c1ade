// A recording stand-in for the `pulumi` CLI, first on the PATH, for what the programs here ask of it
// (through the Automation API or directly). It answers as the CLI documents
// (https://www.pulumi.com/docs/iac/cli/commands/): `stack init <name> [--secrets-provider P]
// [--copy-config-from S]` (refused when the stack exists: "stack '<name>' already exists"), `stack
// select`, `config [--show-secrets] --json` (secret values left out unless shown), `config set-all
// (--plaintext|--secret) k=v…`, `config set <key> (--secret|--plaintext) [-- value]` reading the
// value from stdin when it is not on the command line ("Multi-line values may be set by piping a
// file to standard in"), `up` (the Diagnostics block and exit 255 when told to fail), `destroy`,
// `stack rm`, `stack output --json`, `stack history --json`, `version`. Every call is recorded with
// the argv the kernel holds for it (/proc/self/cmdline: what `ps` shows) and its stdin.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface StandInStack {
    secretsProvider: string;
    config: Record<string, { value: string; secret?: boolean }>;
    outputs: Record<string, unknown>;
}

export interface StandInState {
    stacks: Record<string, StandInStack>;
    /** Outputs a successful `up` of a stack not listed here leaves (by stack name prefix). */
    upOutputs?: Record<string, unknown>;
    /** Subcommand ("up", "destroy", "config set-all", "stack init", …) → how it fails. */
    fail?: Record<string, { stdout?: string; stderr?: string; exit: number }>;
    /** Subcommand → seconds it takes (a long `up`, to interrupt). */
    slow?: Record<string, number>;
    /** `version` behaves as the npm `pulumi` launcher without network. */
    cannotStart?: boolean;
}

export interface PulumiCall {
    /** The arguments after `pulumi`. */
    argv: string[];
    /** The whole command line as the kernel holds it (/proc/<pid>/cmdline): interpreter, script, arguments. */
    cmdline: string;
    stdin: string;
}

export interface PulumiStandIn {
    dir: string;
    /** PATH with the stand-in first. */
    path: string;
    calls(): PulumiCall[];
    state(): StandInState;
    remove(): void;
}

const script = (statePath: string, logPath: string) => `#!${process.execPath}
const fs = require("node:fs");
const cmdline = fs.readFileSync("/proc/self/cmdline", "utf8").split("\\0").filter(Boolean);
const args = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(${JSON.stringify(statePath)}, "utf8"));
const save = () => fs.writeFileSync(${JSON.stringify(statePath)}, JSON.stringify(state));
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const positional = (from) => { const out = []; for (let i = from; i < args.length; i++) { if (args[i] === "--") return out.concat(args.slice(i + 1)); if (args[i].startsWith("-")) { if (!["--secret", "--plaintext", "--path", "--json", "--show-secrets", "--non-interactive", "--yes", "--force", "--skip-preview", "--diff"].includes(args[i])) i++; continue; } out.push(args[i]); } return out; };
const done = (stdout, code = 0, stderr = "") => { if (stdout) process.stdout.write(stdout); if (stderr) process.stderr.write(stderr); process.exit(code); };
const record = (stdin) => fs.appendFileSync(${JSON.stringify(logPath)}, JSON.stringify({ argv: cmdline.slice(2), cmdline: cmdline.join(" "), stdin }) + "\\n");
const sub = args[0] === "stack" || args[0] === "config" ? [args[0], args[1] && !args[1].startsWith("-") ? args[1] : ""].join(" ").trim() : args[0];
const needsStdin = sub === "config set" && positional(2).length === 1;
let stdin = "";
if (needsStdin) { try { stdin = fs.readFileSync(0, "utf8"); } catch {} }
record(stdin);
if (state.slow && state.slow[sub]) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, state.slow[sub] * 1000);
if (sub === "version") {
  if (state.cannotStart) done("", 1, "Downloading pulumi v3.250.0...\\npulumi: fetch failed\\n");
  done("v3.248.0\\n");
}
const failure = state.fail && state.fail[sub];
if (failure) done(failure.stdout || "", failure.exit, failure.stderr || "");
const name = flag("--stack") || flag("-s");
const stack = name && state.stacks[name];
const noStack = () => done("", 255, "error: no stack named '" + name + "' found\\n");
switch (sub) {
  case "stack init": {
    const created = args[2];
    if (state.stacks[created]) done("", 255, "error: stack '" + created + "' already exists\\n");
    const from = flag("--copy-config-from");
    if (from && !state.stacks[from]) done("", 255, "error: no stack named '" + from + "' found\\n");
    state.stacks[created] = { secretsProvider: flag("--secrets-provider") || "passphrase", config: from ? JSON.parse(JSON.stringify(state.stacks[from].config)) : {}, outputs: {} };
    save();
    done("Created stack '" + created + "'\\n");
  }
  case "stack select": if (!state.stacks[flag("--stack") || args[2]]) done("", 255, "error: no stack named '" + (flag("--stack") || args[2]) + "' found\\n"); done("");
  case "config": {
    if (!stack) noStack();
    const show = args.includes("--show-secrets");
    done(JSON.stringify(Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, v.secret && !show ? { secret: true } : { value: v.value, secret: v.secret }]))));
  }
  case "config set-all": {
    if (!stack) noStack();
    for (let i = 2; i < args.length; i++) {
      if (args[i] === "--plaintext" || args[i] === "--secret") { const [k, ...v] = args[i + 1].split("="); stack.config[k] = { value: v.join("="), secret: args[i] === "--secret" }; i++; }
    }
    save();
    done("");
  }
  case "config set": {
    if (!stack) noStack();
    const [key, value] = positional(2);
    stack.config[key] = { value: value !== undefined ? value : stdin.replace(/\\n$/, ""), secret: args.includes("--secret") };
    save();
    done("");
  }
  case "stack output": if (!stack) noStack(); done(JSON.stringify(stack.outputs));
  case "stack history": done("[]");
  case "up": {
    if (!stack) noStack();
    stack.outputs = state.upOutputs || {};
    save();
    done("Updating (" + name + ")\\n\\nResources:\\n    + 1 created\\n");
  }
  case "destroy": if (!stack) noStack(); stack.outputs = {}; save(); done("Destroying (" + name + ")\\n");
  case "stack rm": {
    const removed = positional(2)[0] || name;
    if (!state.stacks[removed]) done("", 255, "error: no stack named '" + removed + "' found\\n");
    delete state.stacks[removed];
    save();
    done("Stack '" + removed + "' has been removed!\\n");
  }
  default: done("");
}
`;

export function installPulumiStandIn(initial: StandInState): PulumiStandIn {
    const dir = mkdtempSync(path.join(tmpdir(), "pulumi-standin-"));
    const statePath = path.join(dir, "state.json");
    const logPath = path.join(dir, "calls.jsonl");
    writeFileSync(statePath, JSON.stringify(initial));
    writeFileSync(logPath, "");
    writeFileSync(path.join(dir, "pulumi"), script(statePath, logPath), { mode: 0o755 });
    return {
        dir,
        path: `${dir}${path.delimiter}${process.env.PATH}`,
        calls: () =>
            readFileSync(logPath, "utf8")
                .split("\n")
                .filter(Boolean)
                .map((l) => JSON.parse(l) as PulumiCall),
        state: () => JSON.parse(readFileSync(statePath, "utf8")) as StandInState,
        remove: () => rmSync(dir, { recursive: true, force: true }),
    };
}

/** The Diagnostics block `pulumi up` prints for a resource that failed, and the Stack's summary error. */
export function failedUpOutput(stack: string, resource: string, message: string): string {
    return [
        `Updating (${stack})`,
        "",
        "Diagnostics:",
        `  ${resource}:`,
        "    error: 1 error occurred:",
        `    \t* ${message}`,
        "",
        `  pulumi:pulumi:Stack (pneumonia-platform-${stack}):`,
        "    error: update failed",
        "",
        "Resources:",
        "    12 unchanged",
        "",
    ].join("\n");
}
