// npm run sbom [-- --out sbom.cdx.json] [--include-dev]
// The manual's SBOM for compliance: a CycloneDX document of what the platform ships (production
// dependencies by default), made by `npm sbom` from the lockfile and node_modules: no network.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
    CheckFailedError,
    invokeCommand,
    runCommand,
    UsageError,
    type CommandSpec,
    type OptionSpec,
    type ParsedArgs,
} from "../src/cli/command";

const purl = z.string().regex(/^pkg:[a-z]+\/.+@.+$/, "a package URL such as pkg:npm/name@1.0.0");

const component = z.object({
    type: z.string().min(1),
    name: z.string().min(1),
    version: z.string().min(1),
    purl,
    "bom-ref": z.string().min(1),
});

/** The parts of CycloneDX 1.4–1.6 that make the document usable: identity, subject and purls for every component. */
export const cycloneDxSchema = z.object({
    bomFormat: z.literal("CycloneDX"),
    specVersion: z.string().regex(/^1\.[4-6]$/, "a CycloneDX spec version from 1.4 to 1.6"),
    serialNumber: z.string().regex(/^urn:uuid:[0-9a-f-]{36}$/, "urn:uuid:<uuid>"),
    version: z.number().int().min(1),
    metadata: z.object({ timestamp: z.string().min(1), component: component.extend({ type: z.literal("application") }) }),
    components: z.array(component).min(1),
    dependencies: z.array(z.object({ ref: z.string().min(1), dependsOn: z.array(z.string()).optional() })).optional(),
});
export type CycloneDx = z.infer<typeof cycloneDxSchema>;

/** Throws one line naming the first problem (a failed check, exit 1): the path in the document and what was expected. */
export function validateCycloneDx(document: unknown): CycloneDx {
    const result = cycloneDxSchema.safeParse(document);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new CheckFailedError(`not a valid CycloneDX SBOM: ${issue.path.join(".") || "(document)"}: ${issue.message}`);
    }
    const refs = new Set(result.data.components.map((c) => c["bom-ref"]));
    refs.add(result.data.metadata.component["bom-ref"]);
    const dangling = result.data.dependencies?.flatMap((d) => [d.ref, ...(d.dependsOn ?? [])]).find((ref) => !refs.has(ref));
    if (dangling !== undefined) throw new CheckFailedError(`not a valid CycloneDX SBOM: dependencies: "${dangling}" is not a component`);
    return result.data;
}

/**
 * Names the SBOM's subject after package.json: `npm sbom` takes the component's name from the
 * checkout folder (its purl and bom-ref already carry the package name), so a clone in another
 * folder would describe another product.
 */
export function nameAfterPackage<D extends Pick<CycloneDx, "metadata">>(document: D, pkg: { name: string; version: string }): D {
    document.metadata.component.name = pkg.name;
    document.metadata.component.version = pkg.version;
    return document;
}

/**
 * Adds the policy pack (policies/, its own lockfile) to the platform's SBOM: the pack as a component
 * the platform depends on, its dependencies as components (one entry per bom-ref: npm names them
 * name@version, so a package both lock is listed once) and its dependency graph merged in.
 */
export function withPolicyPack(platform: CycloneDx, pack: CycloneDx): CycloneDx {
    const components = new Map(platform.components.map((c) => [c["bom-ref"], c]));
    const packRoot = { ...pack.metadata.component, type: "application" };
    for (const c of [packRoot, ...pack.components]) if (!components.has(c["bom-ref"])) components.set(c["bom-ref"], c);
    const dependencies = new Map((platform.dependencies ?? []).map((d) => [d.ref, new Set(d.dependsOn ?? [])]));
    for (const d of pack.dependencies ?? []) {
        const into = dependencies.get(d.ref) ?? new Set<string>();
        for (const ref of d.dependsOn ?? []) into.add(ref);
        dependencies.set(d.ref, into);
    }
    const root = platform.metadata.component["bom-ref"];
    dependencies.set(root, (dependencies.get(root) ?? new Set()).add(packRoot["bom-ref"]));
    return {
        ...platform,
        components: [...components.values()],
        dependencies: [...dependencies].map(([ref, on]) => ({ ref, dependsOn: [...on] })),
    };
}

/** The policy pack's folder, whose lockfile the SBOM also covers. */
export const policyPackDir = "policies";

export function runNpmSbom(cwd: string, includeDev: boolean): Promise<string> {
    // --package-lock-only: the pack's node_modules is installed only where the pack runs.
    const args = [
        "sbom",
        "--sbom-format",
        "cyclonedx",
        "--sbom-type",
        "application",
        "--package-lock-only",
        ...(includeDev ? [] : ["--omit", "dev"]),
    ];
    return new Promise((resolve, reject) => {
        execFile("npm", args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) reject(new UsageError(`npm sbom failed: ${stderr.split("\n").find((l) => l.trim() !== "") ?? error.message}`));
            else resolve(stdout);
        });
    });
}

export const sbomCommand = {
    invocation: "npm run --silent sbom --",
    summary:
        "Writes the CycloneDX SBOM of what the platform ships (production dependencies of package-lock.json and of the policy pack's policies/package-lock.json), made by npm sbom from the lockfiles: no network.",
    options: {
        out: { type: "string", value: "FILE", description: "where to write it (default sbom.cdx.json)" },
        "include-dev": { type: "boolean", description: "list the dev dependencies too" },
    },
    maxPositionals: 0,
    examples: ["npm run --silent sbom -- --out reports/sbom.cdx.json"],
    notes: ["Exit codes: 0 written, 1 npm's document is not a valid CycloneDX SBOM, 2 npm sbom could not run."],
} satisfies CommandSpec<Record<string, OptionSpec>>;

export function main(argv: string[], cwd: string, out: (s: string) => void): Promise<number> {
    return invokeCommand(sbomCommand, argv, (args) => writeSbom(args, cwd, out), out);
}

async function writeSbom({ values }: ParsedArgs<typeof sbomCommand.options>, cwd: string, out: (s: string) => void): Promise<number> {
    const file = values.out ?? "sbom.cdx.json";
    const read = async (dir: string) => {
        const text = await runNpmSbom(dir, values["include-dev"] ?? false);
        let document: unknown;
        try {
            document = JSON.parse(text);
        } catch {
            throw new UsageError(`npm sbom in ${path.relative(cwd, dir) || "."} printed something other than JSON`);
        }
        validateCycloneDx(document);
        // The document as npm wrote it (validation keeps only the fields it checks).
        return document as CycloneDx;
    };
    const pkg = JSON.parse(fs.readFileSync(path.join(cwd, "package.json"), "utf8")) as { name: string; version: string };
    const document = withPolicyPack(nameAfterPackage(await read(cwd), pkg), await read(path.join(cwd, policyPackDir)));
    const sbom = validateCycloneDx(document);
    const target = path.resolve(cwd, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Validated first and renamed into place: the file is a whole SBOM or is not there.
    fs.writeFileSync(`${target}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
    fs.renameSync(`${target}.tmp`, target);
    out(`sbom: CycloneDX ${sbom.specVersion}, ${sbom.components.length} components of ${pkg.name}@${pkg.version} -> ${file}`);
    return 0;
}

if (require.main === module) {
    runCommand(sbomCommand, (args) => writeSbom(args, process.cwd(), (s) => console.log(s)));
}
