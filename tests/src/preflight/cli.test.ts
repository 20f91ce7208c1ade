import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { offlineFindings, report } from "../../../src/preflight/offline";
import { repoRoot, runCli } from "../../helpers/cli";

/** In-process, as the CLI runs it (one CLI run below checks the wiring and exit codes). */
const preflight = ([stack]: string[], cwd = repoRoot) => {
    const findings = offlineFindings(stack!, cwd);
    return { code: findings.length === 0 ? 0 : 1, stdout: report(stack!, findings) };
};
const filled = path.join(__dirname, "fixtures/filled");
/** The keys a report lists, in order: each finding's first line is "  <key>  <problem>". */
const keysOf = (stdout: string) =>
    stdout
        .split("\n")
        .filter((l) => /^ {2}\S/.test(l))
        .map((l) => l.trim().split(/\s+/)[0]);

describe("npm run preflight", () => {
    it("staging as committed: every example value in one run, each with the pulumi config set that replaces it; exit 1", () => {
        const { code, stdout } = preflight(["staging"]);
        assert.equal(code, 1);
        assert.deepEqual(keysOf(stdout), [
            "secretsprovider",
            "repository",
            "kubernetes.context",
            "cluster.oidcProviderArn",
            "cluster.oidcIssuer",
            "cluster.vpcId",
            "cluster.privateSubnetIds[0]",
            "cluster.privateSubnetIds[1]",
            "cluster.privateSubnetIds[2]",
            "cluster.nodeSecurityGroupId",
            "detector.image",
            "images.promoteRoleArn",
            "images.pullers[0]",
            "images.pullers[1]",
            "edge.host",
            "edge.hostedZoneId",
            "security.evidence.responders[0]",
            "security.evidence.auditors[0]",
        ]);
        assert.match(stdout, /^preflight staging: 18 to fix before pulumi up\n/);
        assert.match(
            stdout,
            /\$ pulumi stack change-secrets-provider --stack staging "awskms:\/\/alias\/pulumi-pneumonia-staging\?region=eu-west-1"\n/,
        );
        assert.match(stdout, /\$ pulumi config set --stack staging --path 'cluster\.privateSubnetIds\[0\]' <value>\n/);
        assert.match(stdout, /\$ pulumi config set --stack staging repository <value>\n/);
    });

    it("production as committed: also the secrets paging needs, set through pulumi's prompt (no value on the command line)", () => {
        const { code, stdout } = preflight(["production"]);
        assert.equal(code, 1);
        for (const key of ["images.registryAccountId", "mlflow.image", "backups.image", "pagerdutyRoutingKey", "heartbeatUrl"])
            assert.ok(keysOf(stdout).includes(key), key);
        assert.match(stdout, /\$ pulumi config set --stack production --secret pagerdutyRoutingKey\n/);
    });

    it("local needs nothing more: exit 0", () => {
        const { code, stdout } = preflight(["local"]);
        assert.equal(code, 0, stdout);
    });

    it("a filled production stack file passes the offline checks", () => {
        const { code, stdout } = preflight(["production"], filled);
        assert.equal(code, 0, stdout);
        assert.equal(stdout, "preflight production: ready to deploy (offline checks passed)\n");
    });

    describe("a filled file with mistakes: all of them at once", () => {
        let root: string;
        before(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
            fs.copyFileSync(path.join(filled, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
            const text = fs
                .readFileSync(path.join(filled, "Pulumi.production.yaml"), "utf8")
                .replace(/^secretsprovider: .*\n/m, "secretsprovider: passphrase\n")
                .replace(/^ {4}hostedZoneId: .*\n/m, "")
                .replace(
                    "  pneumonia-platform:heartbeatUrl:\n    secure: v1:AAAAAAAAAAAAAAAA:aGVhcnRiZWF0\n",
                    "  pneumonia-platform:heartbeatUrl: https://hb.radiology-lab.net/ping\n  pneumonia-platform:detectr: {}\n",
                );
            fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), text);
        });
        after(() => fs.rmSync(root, { recursive: true, force: true }));

        it("names the passphrase provider, the plain-text secret, the unknown key and the missing hosted zone", () => {
            const { code, stdout } = preflight(["production"], root);
            assert.equal(code, 1);
            assert.deepEqual(keysOf(stdout), ["secretsprovider", "heartbeatUrl", "detectr", "edge.hostedZoneId"]);
            assert.match(stdout, /heartbeatUrl +a secret key in plain text/);
            assert.match(
                stdout,
                /detectr +unknown key \(did you mean pneumonia-platform:detector\?\)\n +\$ pulumi config rm --stack production detectr\n/,
            );
            assert.match(
                stdout,
                /edge\.hostedZoneId +expected a Route 53 hosted zone id, required when edge\.loadBalancer is alb, got nothing/,
            );
            assert.ok(!stdout.includes("hb.radiology-lab.net"), "a secret's value is never printed");
        });
    });

    it("the CLI: exit 1 with the list on stdout; no stack or an unknown one is one line, exit 2", () => {
        const cli = (args: string[]) => runCli("src/preflight/cli.ts", args);
        const staging = cli(["staging"]);
        assert.equal(staging.code, 1);
        assert.equal(staging.stdout, preflight(["staging"]).stdout);
        assert.equal(cli([]).code, 2);
        const { code, stderr } = cli(["nope"]);
        assert.equal(code, 2);
        assert.equal(stderr, 'error: stack "nope": no Pulumi.nope.yaml (stacks: local, production, staging)\n');
    });
});
