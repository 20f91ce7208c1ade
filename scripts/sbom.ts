// npm run sbom [-- --out sbom.cdx.json] [--include-dev]
// The manual's SBOM for compliance: a CycloneDX document of what the platform ships (production
// dependencies by default), made by `npm sbom` from the lockfile and node_modules: no network.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";

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

/** Throws one line naming the first problem: the path in the document and what was expected. */
export function validateCycloneDx(document: unknown): CycloneDx {
    const result = cycloneDxSchema.safeParse(document);
    if (!result.success) {
        const issue = result.error.issues[0];
        throw new Error(`not a valid CycloneDX SBOM: ${issue.path.join(".") || "(document)"}: ${issue.message}`);
    }
    const refs = new Set(result.data.components.map((c) => c["bom-ref"]));
    refs.add(result.data.metadata.component["bom-ref"]);
    const dangling = result.data.dependencies?.flatMap((d) => [d.ref, ...(d.dependsOn ?? [])]).find((ref) => !refs.has(ref));
    if (dangling !== undefined) throw new Error(`not a valid CycloneDX SBOM: dependencies: "${dangling}" is not a component`);
    return result.data;
}

export function runNpmSbom(cwd: string, includeDev: boolean): Promise<string> {
    const args = ["sbom", "--sbom-format", "cyclonedx", "--sbom-type", "application", ...(includeDev ? [] : ["--omit", "dev"])];
    return new Promise((resolve, reject) => {
        execFile("npm", args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`npm sbom failed: ${stderr.split("\n").find((l) => l.trim() !== "") ?? error.message}`));
            else resolve(stdout);
        });
    });
}

export async function main(argv: string[], cwd: string, out: (s: string) => void): Promise<number> {
    const { values } = parseArgs({ args: argv, options: { out: { type: "string", default: "sbom.cdx.json" }, "include-dev": { type: "boolean", default: false } } });
    const text = await runNpmSbom(cwd, values["include-dev"]);
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch {
        throw new Error("npm sbom printed something other than JSON");
    }
    const sbom = validateCycloneDx(document);
    const target = path.resolve(cwd, values.out);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Validated first and renamed into place: the file is a whole SBOM or is not there.
    fs.writeFileSync(`${target}.tmp`, `${JSON.stringify(document, null, 2)}\n`);
    fs.renameSync(`${target}.tmp`, target);
    out(`sbom: CycloneDX ${sbom.specVersion}, ${sbom.components.length} components -> ${values.out}`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2), process.cwd(), (s) => console.log(s)).then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(`sbom: ${e.message.split("\n")[0]}`);
            process.exit(1);
        },
    );
}
