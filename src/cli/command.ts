// The one way every command-line tool of this repository parses its arguments, answers --help,
// reports errors and exits, so that an operator meets the same behaviour everywhere:
//   0  the command did what it was asked and every check passed
//   1  the command ran, and a check it makes failed (a policy violation, an unhealthy service)
//   2  usage or environment error: unknown option, bad argument, missing tool, unreadable file
// Errors are one line on stderr; a stack trace is printed only with PNEUMONIA_DEBUG=1.
import { spawnSync } from "node:child_process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { closestName } from "../../infra/platform/suggest";

export const exitCodes = { ok: 0, checkFailed: 1, usage: 2 } as const;

/** The exit codes as --help states them, unless a command's notes state its own. */
export const exitCodesNote =
    "exit codes: 0 done and every check passed, 1 a check failed (an endpoint that does not answer is a failed check), 2 usage or environment error";

/** A mistake in how the command was called, or in its environment: exit 2, one line. */
export class UsageError extends Error {
    override name = "UsageError";
}

/** A check the command makes failed and the message says which: exit 1, one line. */
export class CheckFailedError extends Error {
    override name = "CheckFailedError";
}

export interface OptionSpec {
    type: "boolean" | "string";
    short?: string;
    multiple?: boolean;
    /** The value's placeholder in the help text, e.g. DIR. */
    value?: string;
    description: string;
}

export interface CommandSpec<O extends Record<string, OptionSpec>> {
    /** How it is invoked, e.g. `npm run --silent plan --`. */
    invocation: string;
    /** Positional arguments as they appear in the usage line, e.g. `[<stack>]`. */
    positionals?: string;
    summary: string;
    options: O;
    /** Bounds on the number of positional arguments. */
    minPositionals?: number;
    maxPositionals?: number;
    examples: string[];
    /** Extra paragraphs for --help (defaults, environment variables). */
    notes?: string[];
}

type Values<O extends Record<string, OptionSpec>> = {
    [K in keyof O]?: O[K]["type"] extends "boolean"
        ? O[K]["multiple"] extends true
            ? boolean[]
            : boolean
        : O[K]["multiple"] extends true
          ? string[]
          : string;
};

export interface ParsedArgs<O extends Record<string, OptionSpec>> {
    values: Values<O>;
    positionals: string[];
}

function usageLine<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
    return `usage: ${spec.invocation}${spec.positionals ? ` ${spec.positionals}` : ""} [options]`;
}

/** The full --help text: usage, summary, options, notes and examples. */
export function helpText<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): string {
    const help: OptionSpec = { type: "boolean", short: "h", description: "show this help and exit" };
    const rows = Object.entries<OptionSpec>({ ...spec.options, help }).map(([name, o]) => [
        `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`,
        o.description,
    ]);
    const width = Math.max(...rows.map(([flag]) => flag!.length));
    return [
        usageLine(spec),
        "",
        spec.summary,
        "",
        "options:",
        ...rows.map(([flag, description]) => `  ${flag!.padEnd(width)}  ${description}`),
        ...(spec.notes?.length ? ["", ...spec.notes] : []),
        ...(spec.notes?.some((n) => /exit codes:/i.test(n)) ? [] : ["", exitCodesNote]),
        "",
        "examples:",
        ...spec.examples.map((e) => `  ${e}`),
        "",
    ].join("\n");
}

/** Parses argv against the spec; throws UsageError (one line) for anything it does not know. */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: string[]): ParsedArgs<O> | "help" {
    const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
    for (const [name, o] of Object.entries(spec.options)) {
        options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
    }
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (e) {
        // node:util's messages are already one line, e.g. "Unknown option '--jsn'".
        const line = (e as Error).message.split("\n")[0]!.replace(/\. To specify a positional.*$/, "");
        const unknown = /^Unknown option '--([^'=]+)'/.exec(line)?.[1];
        const close = unknown === undefined ? undefined : closestName(unknown, Object.keys(options));
        throw new UsageError(close ? `${line} (did you mean --${close}?)` : line);
    }
    if (parsed.values.help) return "help";
    const count = parsed.positionals.length;
    if (count < (spec.minPositionals ?? 0)) throw new UsageError(`missing argument: ${spec.positionals ?? "arguments"}`);
    if (count > (spec.maxPositionals ?? Infinity)) {
        throw new UsageError(`unexpected argument "${parsed.positionals[spec.maxPositionals ?? 0]}"`);
    }
    const { help: _help, ...values } = parsed.values;
    return { values: values as Values<O>, positionals: parsed.positionals };
}

/** The one line an error becomes; the stack only when PNEUMONIA_DEBUG=1 asks for it. */
export function describeFailure(e: unknown): { line: string; code: number } {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = err instanceof CheckFailedError ? exitCodes.checkFailed : exitCodes.usage;
    const line = (err.message || err.name).split("\n")[0]!;
    return { line, code };
}

/**
 * The command in-process, for tests and callers that keep the process: parses argv (a usage
 * mistake throws UsageError), answers --help through `out`, and resolves to `run`'s exit code.
 */
export async function invokeCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    argv: string[],
    run: (args: ParsedArgs<O>) => Promise<number> | number,
    out: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
    const args = parseCommandArgs(spec, argv);
    if (args === "help") {
        out(helpText(spec));
        return exitCodes.ok;
    }
    return run(args);
}

/** Where a command writes: stdout and stderr of the process, or a test's buffers. */
export interface CommandOutput {
    out: (text: string) => void;
    err: (text: string) => void;
}

export const processOutput: CommandOutput = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

/**
 * `npm run plan staging --json`, without `--`, hands --json to npm: npm keeps command-line flags as
 * its own config, which it passes to the script as npm_config_<name> environment variables, and
 * gives the script only the rest ("staging"; a flag's value, as in `--out DIR`, becomes a positional).
 * npm docs, npm run-script: "Any positional arguments are passed to the specified script. Use -- to
 * pass --prefixed flags and options which would otherwise be parsed by npm." Returns the flags of
 * this command that npm took, when npm runs it (npm_lifecycle_event set).
 */
export function flagsTakenByNpm(spec: CommandSpec<Record<string, OptionSpec>>, argv: string[], env: NodeJS.ProcessEnv): string[] {
    if (!env.npm_lifecycle_event) return [];
    return Object.keys(spec.options).filter(
        (name) =>
            env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined &&
            !argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`)),
    );
}

/**
 * A command as the process runs it, without exiting: parses argv, answers --help, calls `run`, and
 * resolves to the exit code, every error written as one line to `output.err`.
 */
export async function executeCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    run: (args: ParsedArgs<O>) => Promise<number> | number,
    argv: string[] = process.argv.slice(2),
    output: CommandOutput = processOutput,
): Promise<number> {
    let args: ParsedArgs<O> | "help";
    try {
        const taken = flagsTakenByNpm(spec, argv, process.env);
        if (taken.length > 0) {
            const flags = taken.map((f) => `--${f}`).join(", ");
            throw new UsageError(
                `npm took ${flags} for itself: npm hands options to the command only after --, as in ${spec.invocation} ${[...argv, ...taken.map((f) => `--${f}`)].join(" ")} (each option's value right after it)`,
            );
        }
        args = parseCommandArgs(spec, argv);
    } catch (e) {
        output.err(`error: ${describeFailure(e).line}\n${usageLine(spec)}   (--help for more)\n`);
        return exitCodes.usage;
    }
    if (args === "help") {
        output.out(helpText(spec));
        return exitCodes.ok;
    }
    try {
        return await run(args);
    } catch (e) {
        const { line, code } = describeFailure(e);
        output.err(`error: ${line}\n`);
        if (process.env.PNEUMONIA_DEBUG === "1" && e instanceof Error && e.stack) output.err(`${e.stack}\n`);
        return code;
    }
}

/** Exits with `code` once stdout has drained (a large JSON document to a pipe is written asynchronously). */
export function exitWhenDrained(code: number): void {
    process.stdout.write("", () => process.exit(code));
}

/** Runs a command (executeCommand) and exits with its code. */
export function runCommand<O extends Record<string, OptionSpec>>(
    spec: CommandSpec<O>,
    run: (args: ParsedArgs<O>) => Promise<number> | number,
    argv: string[] = process.argv.slice(2),
): void {
    void executeCommand(spec, run, argv).then(exitWhenDrained);
}

/**
 * Fails with one line naming a missing tool and how to get it, instead of a spawn error's
 * `code: -2` further down. `install` says how, e.g. "https://www.pulumi.com/docs/install/ or run npx pulumi";
 * `what` is how the message names it (default: the command).
 */
export function requireTool(tool: string, install: string, what: string = tool): void {
    const found = spawnSync("sh", ["-c", `command -v "$0"`, tool], { stdio: "ignore" }).status === 0;
    if (!found) throw new UsageError(`${what} not found on PATH: install it (${install})`);
}
