// The whole-platform check of one stack, as `npm run --silent check:platform -- <stack>` prints it:
// the rendered platform (tests/platform/render.ts) through every check, one summary line per check
// and every finding. Each check is a PlatformCheck in `platformChecks`; the mocha tests in
// tests/platform/ run the same functions with cases that must fail.
import { CheckFailedError, UsageError, type CommandSpec } from "../../src/cli/command";
import { PlanError } from "../../src/plan/run";
import { stacks } from "../helpers/plan";
import { checkCanary } from "./canary";
import { checkFlows } from "./flows";
import { checkImagePolicies } from "./image-policy";
import { checkLoadBalancerControllerIam } from "./load-balancer-iam";
import { checkPodSecurity } from "./pod-security";
import { checkReferences } from "./references";
import { renderPlatform, RenderError, type RenderedPlatform } from "./render";
import { checkRoutes } from "./routes";
import { checkSchemas } from "./schemas";
import { checkWafDimensions } from "./waf-metrics";

export interface CheckSection {
    name: string;
    /** One line of counts, e.g. "411 objects, 12 releases". */
    summary: string;
    findings: string[];
}

export type PlatformCheck = (platform: RenderedPlatform) => CheckSection | Promise<CheckSection>;

const count = <T>(items: T[], key: (item: T) => string) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
};

export const platformChecks: PlatformCheck[] = [
    (platform) => ({
        name: "objects",
        summary: `${platform.objects.length} (${count(platform.objects, (o) => o.source)}) from ${platform.releases.length} Helm releases`,
        findings: [],
    }),
    async (platform) => {
        const { builtIn, custom, invalid } = await checkSchemas(platform);
        return {
            name: "schemas",
            summary: `${builtIn + custom - invalid.length} valid of ${builtIn + custom} (${custom} custom resources against the installed CRDs)`,
            findings: invalid,
        };
    },
    (platform) => {
        const { resolved, missing } = checkReferences(platform);
        const runtime = resolved.filter((r) => r.madeBy !== "rendered").length;
        return {
            name: "references",
            summary: `${resolved.length} resolved of ${resolved.length + missing.length} (${runtime} made at run time by a controller)`,
            findings: missing,
        };
    },
    (platform) => {
        const { admitted, denied } = checkPodSecurity(platform);
        const hooks = admitted.filter((a) => a.hook).length;
        return {
            name: "pod security",
            summary: `${admitted.length} pods admitted of ${admitted.length + denied.length} (${hooks} hooks; ${count(admitted, (a) => a.level)})`,
            findings: denied,
        };
    },
    (platform) => {
        const { namespaces, signed, warned, denied } = checkImagePolicies(platform);
        const summary = namespaces.length
            ? `${signed.length} signed by CI, ${warned.length} admitted with a warning, ${denied.length} denied, in ${namespaces.join(", ")}`
            : "no image-signature admission in this stack";
        return { name: "image signatures", summary, findings: denied };
    },
    (platform) => {
        const { acls, findings } = checkWafDimensions(platform);
        return { name: "waf metrics", summary: acls.length ? `WebACL dimension ${acls.join(", ")}` : "no web ACL in this stack", findings };
    },
    // Flows, routes, IAM, canary (tests/platform/flows.ts, routes.ts, load-balancer-iam.ts, canary.ts).
    (platform) => {
        const { namespace, needed, unmatched, refused, others, allowedOthers } = checkFlows(platform);
        return {
            name: "flows",
            summary: `${needed - refused.length} needed flows allowed of ${needed}; ${others - allowedOthers.length} other connections of ${namespace} denied of ${others}`,
            findings: [...unmatched, ...refused, ...allowedOthers],
        };
    },
    (platform) => {
        const { answered, refused, findings } = checkRoutes(platform);
        return { name: "routes", summary: `${answered} probe and client calls answered, ${refused} other calls refused`, findings };
    },
    (platform) => {
        const { applies, requests, findings } = checkLoadBalancerControllerIam(platform);
        return {
            name: "iam",
            summary: applies
                ? `LB controller role allows ${requests - findings.length} of ${requests} requests of its upstream policy (v2.17.1)`
                : "no AWS load balancer in this stack",
            findings,
        };
    },
    (platform) => {
        const { steps, minReplicas, maxReplicas, findings } = checkCanary(platform);
        return {
            name: "canary",
            summary: `${steps.join(", ")} at ${minReplicas} replicas (checked for ${minReplicas}-${maxReplicas})`,
            findings,
        };
    },
];

export interface PlatformReport {
    stack: string;
    sections: CheckSection[];
}

export async function checkPlatform(stack: string): Promise<PlatformReport> {
    let platform: RenderedPlatform;
    try {
        platform = await renderPlatform(stack);
    } catch (e) {
        if (e instanceof PlanError || e instanceof RenderError) throw new UsageError(e.message);
        throw e;
    }
    const sections: CheckSection[] = [];
    for (const check of platformChecks) sections.push(await check(platform));
    return { stack, sections };
}

export function formatReport(report: PlatformReport): string {
    const width = Math.max(...report.sections.map((s) => s.name.length));
    const lines = [`platform ${report.stack}`];
    for (const section of report.sections) {
        lines.push(`  ${section.name.padEnd(width)}  ${section.summary}`);
        for (const finding of section.findings) lines.push(`    ✗ ${finding}`);
    }
    const findings = report.sections.reduce((n, s) => n + s.findings.length, 0);
    lines.push(findings ? `${findings} finding(s)` : "no findings");
    return `${lines.join("\n")}\n`;
}

export const checkPlatformCommand: CommandSpec<{ json: { type: "boolean"; description: string } }> = {
    invocation: "npm run --silent check:platform --",
    positionals: "<stack>...",
    summary:
        "Renders the stack as a cluster would run it (the plan's objects and every Helm release from its pinned chart) and checks it whole: schemas, references, Pod Security, image signatures, WAF metrics, flows, routes, IAM, canary steps.",
    minPositionals: 1,
    options: { json: { type: "boolean", description: "print the reports as one JSON document" } },
    notes: [`Stacks: ${stacks.join(", ")}. Chart archives are read from ../shared/charts (or PLATFORM_CHARTS_DIR); exit 1 on any finding.`],
    examples: ["npm run --silent check:platform -- production", "npm run --silent check:platform -- local staging production"],
};

/** Checks each stack, prints the summaries, and fails (exit 1) naming how many findings there were. */
export async function runCheckPlatform(names: string[], json: boolean, out: (text: string) => void): Promise<number> {
    const reports: PlatformReport[] = [];
    for (const stack of names) reports.push(await checkPlatform(stack));
    out(json ? `${JSON.stringify(reports, null, 2)}\n` : reports.map(formatReport).join("\n"));
    const findings = reports.flatMap((r) => r.sections.flatMap((s) => s.findings));
    if (findings.length) throw new CheckFailedError(`${findings.length} finding(s) in the rendered platform: ${findings[0]}`);
    return 0;
}
