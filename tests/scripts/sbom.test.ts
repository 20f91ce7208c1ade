import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main, validateCycloneDx } from "../../scripts/sbom";

const root = path.resolve(__dirname, "../..");
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; version?: string }>;
};

describe("npm run sbom", () => {
    let dir: string;
    let sbom: any;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sbom-"));
        const out: string[] = [];
        assert.equal(await main(["--out", path.join(dir, "sbom.cdx.json")], root, (s) => out.push(s)), 0);
        assert.match(out[0], /^sbom: CycloneDX 1\.\d, \d+ components of pneumonia-detector-platform@0\.1\.0 -> /);
        sbom = JSON.parse(fs.readFileSync(path.join(dir, "sbom.cdx.json"), "utf8"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes a valid CycloneDX document describing this repository", () => {
        validateCycloneDx(sbom);
        assert.equal(sbom.bomFormat, "CycloneDX");
        assert.equal(sbom.metadata.component.purl, "pkg:npm/pneumonia-detector-platform@0.1.0");
        // npm sbom names the component after the checkout folder; the SBOM names the product.
        assert.equal(sbom.metadata.component.name, "pneumonia-detector-platform");
        assert.equal(sbom.metadata.component.version, "0.1.0");
        assert.ok(Array.isArray(sbom.metadata.component.licenses), "npm's other fields are kept");
    });

    it("lists every production dependency with its locked version and purl, and no dev dependency", () => {
        const byPurl = new Set(sbom.components.map((c: { purl: string }) => c.purl));
        for (const name of ["@pulumi/pulumi", "@pulumi/kubernetes", "zod", "yaml"]) {
            const version = lock.packages[`node_modules/${name}`].version;
            assert.ok(byPurl.has(`pkg:npm/${name.replace("@", "%40")}@${version}`), `${name}@${version} missing`);
        }
        for (const dev of ["mocha", "typescript", "tsx"]) {
            assert.ok(!sbom.components.some((c: { name: string }) => c.name === dev), `${dev} is a dev dependency`);
        }
    });

    it("covers the policy pack's own lockfile: the pack, its production dependencies and the graph to them", () => {
        const packLock = JSON.parse(fs.readFileSync(path.join(root, "policies/package-lock.json"), "utf8")) as {
            packages: Record<string, { dev?: boolean; version?: string }>;
        };
        const byPurl = new Set(sbom.components.map((c: { purl: string }) => c.purl));
        assert.ok(byPurl.has("pkg:npm/pneumonia-platform-policies@0.1.0"), "the pack is a component");
        const packDeps = sbom.dependencies.find((d: { ref: string }) => d.ref === "pneumonia-platform-policies@0.1.0")?.dependsOn ?? [];
        for (const name of ["@pulumi/policy", "@pulumi/pulumi", "@pulumi/aws", "@pulumi/kubernetes"]) {
            const ref = `${name}@${packLock.packages[`node_modules/${name}`]!.version}`;
            assert.ok(packDeps.includes(ref), `the pack depends on ${ref}`);
            assert.ok(
                sbom.components.some((c: { "bom-ref": string }) => c["bom-ref"] === ref),
                `${ref} is a component`,
            );
        }
        const platformDeps = sbom.dependencies.find((d: { ref: string }) => d.ref === sbom.metadata.component["bom-ref"]).dependsOn;
        assert.ok(platformDeps.includes("pneumonia-platform-policies@0.1.0"));
        assert.ok(sbom.dependencies.some((d: { ref: string }) => d.ref === "pneumonia-platform-policies@0.1.0"));
        assert.equal(
            new Set(sbom.components.map((c: { "bom-ref": string }) => c["bom-ref"])).size,
            sbom.components.length,
            "each bom-ref once",
        );
    });

    describe("validation", () => {
        const broken: [string, (d: any) => void, RegExp][] = [
            ["another format", (d) => (d.bomFormat = "SPDX"), /bomFormat/],
            ["an unsupported spec version", (d) => (d.specVersion = "1.2"), /specVersion: a CycloneDX spec version/],
            ["a component without purl", (d) => delete d.components[3].purl, /components\.3\.purl/],
            ["a malformed purl", (d) => (d.components[0].purl = "npm:zod"), /components\.0\.purl: a package URL/],
            ["no components", (d) => (d.components = []), /components/],
            [
                "a dependency on an unknown component",
                (d) => d.dependencies.push({ ref: "ghost@1.0.0" }),
                /"ghost@1\.0\.0" is not a component/,
            ],
        ];
        for (const [label, breakIt, message] of broken) {
            it(`rejects ${label}`, () => {
                const copy = structuredClone(sbom);
                breakIt(copy);
                assert.throws(() => validateCycloneDx(copy), message);
            });
        }
    });
});
