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

    it("opens the tree with the settings that matter per stack, before the resources", () => {
        const { code, stdout } = plan(["production"]);
        assert.equal(code, 0);
        const head = stdout.slice(0, stdout.indexOf("\nresources:\n"));
        // Values from Pulumi.production.yaml and the production defaults of infra/config.ts.
        for (const row of [
            /^ {2}environment +production$/m,
            /^ {2}account, region +444455556666, eu-west-1; images from 111122223333$/m,
            /^ {2}detector replicas +3 \(autoscaled up to 12\)$/m,
            /^ {2}mlflow replicas +2$/m,
            /^ {2}database +RDS db\.t4g\.medium, 20Gi, automated backups 14 d$/m,
            /^ {2}metrics retention +30d \(50Gi\)$/m,
            /^ {2}backup schedules \(UTC\) +db "15 1 \* \* \*", models "45 1 \* \* \*"/m,
            /^ {2}backup retention +365 d, replicated to eu-central-1$/m,
        ]) {
            assert.match(head, row);
        }
        assert.match(plan(["local"]).stdout, /^ {2}account, region +none \(local cluster\)$/m);
    });

    it("prints one JSON document with --json, secrets redacted, and writes manifests with --out", () => {
        const { code, stdout, stderr } = plan(["local", "--json", "--out", out]);
        assert.equal(code, 0);
        // What --out wrote and where goes to stderr: stdout stays one JSON document.
        assert.match(
            stderr,
            new RegExp(
                `plan: wrote \\d+ files for local to ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: alertmanager/ \\(1\\), alloy/ \\(1\\), grafana/ \\(\\d+\\), kubernetes/ \\(\\d+\\), loki/ \\(1\\), prometheus/ \\(1\\)\n$`,
            ),
        );
        const doc = JSON.parse(stdout);
        assert.equal(doc.stack, "local");
        const secret = doc.resources.find(
            (r: { type: string; name: string }) => r.type === "kubernetes:core/v1:Secret" && r.name === "database",
        );
        assert.deepEqual(Object.values(secret.inputs.stringData), Array(6).fill("[secret]"));
        for (const r of doc.resources)
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "protect", "retainOnDelete", "inputs"]);

        const files = fs.readdirSync(path.join(out, "kubernetes"));
        assert.ok(files.includes("rollout-pneumonia-detector.yaml"));
        assert.ok(files.includes("namespace-cluster-pneumonia.yaml"));
        const deployment = parse(fs.readFileSync(path.join(out, "kubernetes", "rollout-pneumonia-detector.yaml"), "utf8"));
        assert.equal(deployment.kind, "Rollout");
        for (const artifact of [
            "prometheus/rules.yaml",
            "alertmanager/alertmanager.yaml",
            "grafana/pneumonia-detector.json",
            "grafana/pneumonia-platform.json",
        ]) {
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
        it("exits 2 naming an unknown key of the project namespace", () => {
            fs.appendFileSync(path.join(root, "Pulumi.local.yaml"), "  pneumonia-platform:detectr:\n    replicas: 2\n");
            const { code, stdout, stderr } = plan(["local"], root);
            assert.equal(code, 2);
            assert.equal(stdout, "");
            assert.equal(stderr, "error: pneumonia-platform:detectr: unknown key (did you mean pneumonia-platform:detector?)\n");
        });
        it("exits 2 for an unknown stack", () => {
            const { code, stderr } = plan(["qa"], root);
            assert.equal(code, 2);
            assert.equal(stderr, 'error: stack "qa": no Pulumi.qa.yaml (stacks: local)\n');
        });
        it("exits 2 for more than one stack or an unknown option, with the usage hint", () => {
            for (const [args, line] of [
                [["local", "staging"], 'error: unexpected argument "staging"'],
                [["local", "--jsn"], "error: Unknown option '--jsn' (did you mean --json?)"],
            ] as const) {
                const { code, stdout, stderr } = plan([...args]);
                assert.equal(code, 2);
                assert.equal(stdout, "");
                assert.deepEqual(stderr.trimEnd().split("\n"), [
                    line,
                    "usage: npm run --silent plan -- [<stack>] [options]   (--help for more)",
                ]);
            }
        });
        it("answers --help with usage, options and an example", () => {
            const { code, stdout } = plan(["--help"]);
            assert.equal(code, 0);
            assert.match(stdout, /^usage: npm run --silent plan -- \[<stack>\] \[options\]\n/);
            assert.match(stdout, /--out DIR/);
            assert.match(stdout, /examples:\n {2}npm run --silent plan\n/);
        });
    });

    describe("--out writes a clean tree", () => {
        let base: string;
        beforeEach(() => (base = fs.mkdtempSync(path.join(os.tmpdir(), "plan-out-"))));
        afterEach(() => fs.rmSync(base, { recursive: true, force: true }));
        const kubernetesFiles = (dir: string) => fs.readdirSync(path.join(dir, "kubernetes"));

        it("replaces what it wrote before: no manifest of another stack survives", () => {
            const dir = path.join(base, "out");
            const fresh = path.join(base, "fresh");
            assert.equal(plan(["production", "--out", dir]).code, 0);
            assert.equal(plan(["local", "--out", fresh]).code, 0);
            const productionOnly = kubernetesFiles(dir).filter((f) => !kubernetesFiles(fresh).includes(f));
            assert.ok(productionOnly.length > 0, "production writes objects local does not");
            assert.equal(plan(["local", "--out", dir]).code, 0);
            assert.deepEqual(kubernetesFiles(dir).sort(), kubernetesFiles(fresh).sort());
            assert.deepEqual(fs.readdirSync(base).sort(), ["fresh", "out"], "no temporary directory left behind");
        });

        it("refuses a non-empty directory it did not write, deleting nothing", () => {
            const dir = path.join(base, "mine");
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
            const { code, stdout, stderr } = plan(["local", "--out", dir]);
            assert.equal(code, 2);
            assert.equal(stdout, "");
            assert.equal(
                stderr,
                `error: --out ${dir}: not empty and not written by plan (no .pneumonia-plan); give an empty or new directory\n`,
            );
            assert.deepEqual(fs.readdirSync(dir), ["notes.txt"]);
        });

        it("says in one line, without a stack trace, when the path cannot be created", () => {
            const file = path.join(base, "a-file");
            fs.writeFileSync(file, "");
            for (const [dir, line] of [
                [file, `error: --out ${file}: exists and is not a directory`],
                [
                    path.join(file, "below", "out"),
                    `error: --out ${path.join(file, "below", "out")}: cannot create ${path.join(file, "below")} (ENOTDIR)`,
                ],
            ]) {
                const { code, stderr } = plan(["local", "--out", dir!]);
                assert.equal(code, 2);
                assert.equal(stderr, `${line}\n`);
            }
        });
    });
});
