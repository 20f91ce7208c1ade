import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { repoRoot, runCli } from "../../helpers/cli";

const plan = (args: string[], cwd = repoRoot) => runCli("src/plan/cli.ts", args, { cwd });

describe("npm run plan", () => {
    let out: string;
    before(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("prints the resource tree with counts per type, production by default", () => {
        const { code, stdout } = plan([]);
        assert.equal(code, 0);
        assert.match(stdout, /^stack production \(pneumonia-platform\)/);
        assert.match(stdout, /\n {2}pneumonia:platform:Detector {2}detector\n {4}kubernetes:core\/v1:ServiceAccount {2}detector/);
        assert.match(stdout, /aws:rds\/instance:Instance +1\n/);
        assert.match(stdout, /databaseEndpoint: \[secret\]/);
    });

    it("prints one JSON document with --json, secrets redacted, and writes manifests with --out", () => {
        const { code, stdout } = plan(["local", "--json", "--out", out]);
        assert.equal(code, 0);
        const doc = JSON.parse(stdout);
        assert.equal(doc.stack, "local");
        const secret = doc.resources.find((r: { type: string; name: string }) => r.type === "kubernetes:core/v1:Secret" && r.name === "database");
        assert.deepEqual(Object.values(secret.inputs.stringData), Array(6).fill("[secret]"));
        for (const r of doc.resources) assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "inputs"]);

        const files = fs.readdirSync(path.join(out, "kubernetes"));
        assert.ok(files.includes("rollout-pneumonia-detector.yaml"));
        assert.ok(files.includes("namespace-cluster-pneumonia.yaml"));
        const deployment = parse(fs.readFileSync(path.join(out, "kubernetes", "rollout-pneumonia-detector.yaml"), "utf8"));
        assert.equal(deployment.kind, "Rollout");
        for (const artifact of ["prometheus/rules.yaml", "alertmanager/alertmanager.yaml", "grafana/pneumonia-detector.json", "grafana/pneumonia-platform.json"]) {
            assert.ok(fs.existsSync(path.join(out, artifact)), artifact);
        }
        assert.ok((parse(fs.readFileSync(path.join(out, "prometheus/rules.yaml"), "utf8")) as { groups: unknown[] }).groups.length > 0);
        const written = fs.readFileSync(path.join(out, "kubernetes", "secret-pneumonia-database-connection.yaml"), "utf8");
        assert.ok(!written.includes("plan-placeholder"), "no generated password in a manifest");
    });

    describe("bad input", () => {
        let root: string;
        beforeEach(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-root-"));
            for (const f of ["Pulumi.yaml", "Pulumi.local.yaml"]) fs.copyFileSync(path.join(repoRoot, f), path.join(root, f));
            fs.symlinkSync(path.join(repoRoot, "infra"), path.join(root, "infra"));
        });
        afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

        it("exits 2 with a one-line error naming the key", () => {
            fs.appendFileSync(path.join(root, "Pulumi.local.yaml"), "  pneumonia-platform:database:\n    kind: mysql\n");
            const { code, stdout, stderr } = plan(["local"], root);
            assert.equal(code, 2);
            assert.equal(stdout, "");
            assert.equal(stderr, 'error: database.kind: expected one of "rds", "in-cluster", got "mysql"\n');
        });
        it("exits 2 for an unknown stack", () => {
            const { code, stderr } = plan(["qa"], root);
            assert.equal(code, 2);
            assert.equal(stderr, 'error: stack "qa": no Pulumi.qa.yaml (stacks: local)\n');
        });
        it("exits 2 for more than one stack", () => {
            const { code, stderr } = plan(["local", "staging"]);
            assert.equal(code, 2);
            assert.match(stderr, /^error: expected one stack name, got 2\n/);
        });
    });
});
