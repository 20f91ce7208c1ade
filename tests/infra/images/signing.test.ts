// CI signs what staging runs, with the identity admission checks (images.signing). Cosign keyless
// on GitHub Actions certifies the workflow's job_workflow_ref as the subject and
// https://token.actions.githubusercontent.com as the issuer
// (https://docs.sigstore.dev/cosign/signing/overview/, https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { imagesDefaults } from "../../../infra/images/config";

const workflow = parse(readFileSync(join(__dirname, "../../../.github/workflows/delivery.yml"), "utf8"));
const steps: { uses?: string; name?: string; run?: string; env?: Record<string, string> }[] = workflow.jobs["deploy-staging"].steps;

describe("images: CI signs what staging runs", () => {
    it("installs cosign by a pinned commit and signs after pulumi up, before the digest is recorded for production", () => {
        const install = steps.findIndex((s) => /^sigstore\/cosign-installer@[0-9a-f]{40}$/.test(s.uses ?? ""));
        const sign = steps.findIndex((s) => /cosign sign --yes/.test(s.run ?? ""));
        const up = steps.findIndex((s) => /pulumi up --stack staging/.test(s.run ?? ""));
        const record = steps.findIndex((s) => s.name === "record the digest staging ran");
        assert.ok(install > up && sign > install && record > sign, `up ${up}, install ${install}, sign ${sign}, record ${record}`);
        for (const output of ["detectorImage", "mlflowImage", "backupImage"]) assert.match(steps[sign]!.run!, new RegExp(output));
    });

    it("has the OIDC token keyless signing needs", () => {
        assert.equal(workflow.jobs["deploy-staging"].permissions["id-token"], "write");
    });

    it("signs as the identity admission requires: this workflow on main, GitHub's issuer", () => {
        const { signing } = imagesDefaults("production");
        assert.equal(signing.issuer, "https://token.actions.githubusercontent.com");
        assert.match(signing.identity, /\/\.github\/workflows\/delivery\.yml@refs\/heads\/main$/);
        assert.ok(workflow.on.push.branches.includes("main"), "the workflow runs on main, so its ref is refs/heads/main");
        const sign = steps.find((s) => /cosign sign --yes/.test(s.run ?? ""))!;
        assert.match(sign.env!.SIGNING_IDENTITY!, /\/\.github\/workflows\/delivery\.yml@refs\/heads\/main$/);
    });
});
