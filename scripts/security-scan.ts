// npm run security-scan [-- --out FILE]
// The manual's dependency security scan: `npm audit` of the production dependencies, failing on
// high and critical advisories, and on moderate ("medium") ones too with FAIL_ON_MEDIUM=true.
// Exit 0 clean, 1 vulnerable, 2 the scan could not run (registry unreachable, npm error).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { invokeCommand, runCommand, UsageError, type CommandSpec, type OptionSpec, type ParsedArgs } from "../src/cli/command";

export const severities = ["info", "low", "moderate", "high", "critical"] as const;
export type Severity = (typeof severities)[number];

interface Advisory {
    title: string;
    url: string;
    severity: Severity;
}

interface AuditReport {
    auditReportVersion: number;
    vulnerabilities: Record<
        string,
        { name: string; severity: Severity; isDirect: boolean; via: (Advisory | string)[]; fixAvailable: unknown }
    >;
    metadata: { vulnerabilities: Record<Severity | "total", number> };
}

export interface Finding {
    name: string;
    severity: Severity;
    direct: boolean;
    /** The advisories behind it, or the packages it is vulnerable through. */
    via: string[];
}

export interface AuditVerdict {
    ok: boolean;
    threshold: Severity;
    counts: Record<Severity, number>;
    /** Findings at or above the threshold, worst first. */
    failing: Finding[];
}

/** npm could not produce a report at all: the scan did not happen, which is not the same as "clean" (exit 2). */
export class AuditUnavailableError extends UsageError {
    constructor(message: string) {
        super(message);
        this.name = "AuditUnavailableError";
    }
}

function isReport(value: unknown): value is AuditReport {
    const v = value as Partial<AuditReport> | null;
    return (
        typeof v === "object" &&
        v !== null &&
        v.auditReportVersion === 2 &&
        typeof v.vulnerabilities === "object" &&
        typeof v.metadata?.vulnerabilities === "object"
    );
}

/** The one-line reason npm gives in its JSON error (`{ error: { code, summary } }` or a failed HTTP call). */
function npmFailure(value: unknown): string | undefined {
    if (typeof value !== "object" || value === null) return undefined;
    const v = value as { message?: unknown; statusCode?: unknown; error?: { code?: unknown; summary?: unknown; detail?: unknown } };
    if (!v.error && v.statusCode === undefined) return undefined;
    const parts = [v.error?.code, v.error?.summary, v.message].filter((p): p is string => typeof p === "string" && p !== "");
    return parts.length > 0 ? parts.join(": ").split("\n")[0] : `HTTP ${String(v.statusCode)}`;
}

export function thresholdFor(failOnMedium: boolean): Severity {
    return failOnMedium ? "moderate" : "high";
}

/** The decision, from `npm audit --json` output: testable with fixtures, no registry needed. */
export function evaluateAudit(json: unknown, failOnMedium: boolean): AuditVerdict {
    if (!isReport(json)) {
        const failure = npmFailure(json);
        throw new AuditUnavailableError(
            failure
                ? `npm audit could not get advisories from the registry (${failure}); the dependencies were NOT scanned`
                : "npm audit output is not an audit report (auditReportVersion 2); the dependencies were NOT scanned",
        );
    }
    const threshold = thresholdFor(failOnMedium);
    const rank = (s: Severity) => severities.indexOf(s);
    const counts = Object.fromEntries(severities.map((s) => [s, json.metadata.vulnerabilities[s] ?? 0])) as Record<Severity, number>;
    const failing = Object.values(json.vulnerabilities)
        .filter((v) => rank(v.severity) >= rank(threshold))
        .map((v) => ({
            name: v.name,
            severity: v.severity,
            direct: v.isDirect,
            via: v.via.map((x) => (typeof x === "string" ? `via ${x}` : `${x.title} (${x.url})`)),
        }))
        .sort((a, b) => rank(b.severity) - rank(a.severity) || a.name.localeCompare(b.name));
    return { ok: failing.length === 0, threshold, counts, failing };
}

/**
 * The lockfiles that ship: the platform's, and the policy pack's own (policies/ is installed from
 * it by `pulumi policy publish` and in CI, so its dependencies run with the deploy's credentials).
 */
export const lockfiles = [
    { dir: ".", file: "package-lock.json" },
    { dir: "policies", file: "policies/package-lock.json" },
] as const;

export function formatVerdict(v: AuditVerdict, file = "package-lock.json"): string {
    const lines = [
        `npm audit of ${file} (production dependencies): ${severities.map((s) => `${v.counts[s]} ${s}`).join(", ")}; failing at ${v.threshold} and above`,
    ];
    for (const f of v.failing) lines.push(`  ${f.severity.toUpperCase()} ${f.name}${f.direct ? " (direct)" : ""}: ${f.via.join("; ")}`);
    return lines.join("\n");
}

export interface AuditRun {
    stdout: string;
    stderr: string;
}

/** Runs `npm audit --omit=dev --json`; its exit status is ignored since it is non-zero whenever anything is found. */
export function runNpmAudit(cwd: string): Promise<AuditRun> {
    return new Promise((resolve, reject) => {
        execFile("npm", ["audit", "--omit=dev", "--json"], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error && typeof error.code !== "number") reject(error);
            else resolve({ stdout, stderr });
        });
    });
}

export const securityScanCommand = {
    invocation: "npm run --silent security-scan --",
    summary:
        "npm audit of the production dependencies of package-lock.json and policies/package-lock.json: fails on high and critical advisories, and on moderate ones with FAIL_ON_MEDIUM=true.",
    options: {
        out: { type: "string", value: "FILE", description: "also write npm's JSON reports there, keyed by lockfile (whole or not at all)" },
    },
    maxPositionals: 0,
    examples: ["npm run --silent security-scan -- --out reports/npm-audit.json", "FAIL_ON_MEDIUM=true npm run --silent security-scan"],
    notes: ["Exit codes: 0 clean, 1 vulnerable, 2 the scan could not run (registry unreachable, npm error)."],
} satisfies CommandSpec<Record<string, OptionSpec>>;

/** `audit(dir)` runs npm audit in `dir` (relative to the repository root). */
export function main(
    argv: string[],
    env: Record<string, string | undefined>,
    audit: (dir: string) => Promise<AuditRun>,
    out: (s: string) => void,
): Promise<number> {
    return invokeCommand(securityScanCommand, argv, (args) => scan(args, env, audit, out), out);
}

async function scan(
    { values }: ParsedArgs<typeof securityScanCommand.options>,
    env: Record<string, string | undefined>,
    audit: (dir: string) => Promise<AuditRun>,
    out: (s: string) => void,
): Promise<number> {
    const failOnMedium = env.FAIL_ON_MEDIUM ?? "false";
    if (!["true", "false"].includes(failOnMedium)) throw new UsageError(`FAIL_ON_MEDIUM: expected true or false, got "${failOnMedium}"`);
    const reports: Record<string, unknown> = {};
    const verdicts: Array<{ file: string; verdict: AuditVerdict }> = [];
    for (const { dir, file } of lockfiles) {
        const run = await audit(dir);
        let json: unknown;
        try {
            json = JSON.parse(run.stdout);
        } catch {
            const reason = run.stderr.split("\n").find((l) => l.trim() !== "") ?? "no output";
            throw new AuditUnavailableError(`npm audit of ${file} printed no JSON (${reason}); the dependencies were NOT scanned`);
        }
        reports[file] = json;
        verdicts.push({ file, verdict: evaluateAudit(json, failOnMedium === "true") });
    }
    if (values.out) {
        // Written whole or not at all: a half-written report would read as a clean one.
        const tmp = `${values.out}.tmp`;
        fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
        fs.writeFileSync(tmp, JSON.stringify(reports, null, 2));
        fs.renameSync(tmp, values.out);
    }
    const failing = verdicts.flatMap((v) => v.verdict.failing);
    const threshold = thresholdFor(failOnMedium === "true");
    out(
        [
            ...verdicts.map((v) => formatVerdict(v.verdict, v.file)),
            failing.length === 0 ? "security scan: clean" : `security scan: FAILED, ${failing.length} package(s) at ${threshold} or above`,
        ].join("\n"),
    );
    return failing.length === 0 ? 0 : 1;
}

if (require.main === module) {
    runCommand(securityScanCommand, (args) =>
        scan(
            args,
            process.env,
            (dir) => runNpmAudit(path.resolve(process.cwd(), dir)),
            (s) => console.log(s),
        ),
    );
}
