// The CLI as CI runs it: a child process, its output and its exit code.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../helpers/cli";
import { policies } from "../../../policies/policies";
import { compliantPlatform } from "../../policies/factory";

const cli = "src/policy/cli.ts";
const badResources = path.join(__dirname, "fixtures/bad-resources.json");

function tempFile(content: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-")), "resources.json");
    fs.writeFileSync(file, content);
    return file;
}

describe("policy CLI", () => {
    it("finds a violation in each bad resource and exits 1", () => {
        const result = runCli(cli, ["--resources", badResources, "--json"]);
        assert.equal(result.code, 1, result.stderr);
        const { violations } = JSON.parse(result.stdout) as {
            violations: { policy: string; resource: string; level: string; message: string }[];
        };
        const found = (name: string) => violations.filter((v) => v.resource.endsWith(`::${name}`)).map((v) => v.policy);
        assert.ok(found("privileged-latest").includes("kubernetes-no-privileged"));
        assert.ok(found("privileged-latest").includes("kubernetes-image-pinned"));
        assert.ok(found("no-limits").includes("kubernetes-resources"));
        assert.ok(found("public-unencrypted").includes("s3-bucket-kms-encryption"));
        assert.ok(found("public-unencrypted").includes("s3-bucket-public-access-block"));
        assert.ok(found("no-backups").includes("rds-backup-retention"));
        for (const v of violations) assert.deepEqual(Object.keys(v), ["policy", "resource", "level", "message"]);
        assert.ok(violations.every((v) => v.level === "mandatory"));
    });

    it("prints a table of policy, resource, level and message", () => {
        const result = runCli(cli, ["--resources", badResources]);
        assert.equal(result.code, 1);
        const [header, ...rows] = result.stdout.split("\n");
        assert.match(header, /^POLICY\s+RESOURCE\s+LEVEL\s+MESSAGE$/);
        assert.ok(
            rows.some((r) =>
                /^kubernetes-no-privileged\s+kubernetes:apps\/v1:Deployment::privileged-latest\s+mandatory\s+Deployment pneumonia\/privileged-latest: container "app" runs privileged$/.test(
                    r,
                ),
            ),
        );
        assert.match(
            result.stdout,
            new RegExp(`\\d+ mandatory, 0 advisory violation\\(s\\) \\(${policies.length} policies, 4 resources\\)`),
        );
    });

    it("exits 0 on compliant resources", () => {
        const result = runCli(cli, ["--resources", tempFile(JSON.stringify(compliantPlatform())), "--json"]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.deepEqual(JSON.parse(result.stdout), { violations: [] });
    });

    it("exits 2 with one line naming the problem on unusable input", () => {
        // The file checks themselves are covered in-process (resources.test.ts); these pin the exit code and stderr.
        const cases: [string[], RegExp][] = [
            [[], /expected a stack name or --resources FILE/],
            [
                ["--resources", tempFile('[{"type": "aws:kms/key:Key", "name": "k"}, {"name": "x"}]')],
                /resources\.json: resources\[1\]\.type: expected a non-empty string/,
            ],
            // The missing stack file is named first (the policy config is missing too).
            [["qa"], /^error: stack "qa": no Pulumi\.qa\.yaml \(stacks: local, production, staging\)$/],
        ];
        for (const [args, message] of cases) {
            const result = runCli(cli, args);
            assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
            assert.equal(result.stdout, "");
            assert.match(result.stderr.split("\n")[0], message);
            assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
        }
    });

    it("answers --help, and an unknown option with one line and the usage hint", () => {
        const help = runCli(cli, ["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^usage: npm run --silent policy -- <stack> \| --resources FILE \[options\]\n/);
        assert.match(help.stdout, /examples:\n {2}npm run --silent policy -- production\n/);
        const bad = runCli(cli, ["production", "--jsno"]);
        assert.equal(bad.code, 2);
        assert.deepEqual(bad.stderr.trimEnd().split("\n"), [
            "error: Unknown option '--jsno' (did you mean --json?)",
            "usage: npm run --silent policy -- <stack> | --resources FILE [options]   (--help for more)",
        ]);
    });
});
