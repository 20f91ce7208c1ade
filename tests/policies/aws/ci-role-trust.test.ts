import * as assert from "node:assert/strict";
import { githubTrustPolicy } from "../../../bootstrap/github-trust";
import { messages } from "../check";
import { resource } from "../factory";

// The subjects GitHub issues (GitHub docs, "About security hardening with OpenID Connect" >
// "Example subject claims"): repo:<owner>/<repo>:environment:<env> for a job naming an environment,
// repo:<owner>/<repo>:pull_request for a pull request's job (a fork's PR runs under the base repository's name too).
const provider = "arn:aws:iam::210987654321:oidc-provider/token.actions.githubusercontent.com";
const settings = { repository: "radiology-lab/pneumonia-platform", environments: ["staging"] };
const role = (name: string, trust: unknown) => resource("aws:iam/role:Role", name, { assumeRolePolicy: JSON.stringify(trust) });
const trustWith = (condition: Record<string, Record<string, unknown>>) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Federated: provider }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }],
});
const aud = { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" };

describe("aws/ci-role-trust", () => {
    it("passes the bootstrap's trust: this repository, this environment, exact", async () => {
        assert.deepEqual(
            await messages("ci-role-trust", [role("deploy", githubTrustPolicy(provider, settings.repository, "staging"))], settings),
            [],
        );
    });

    it("refuses another repository", async () => {
        assert.deepEqual(
            await messages(
                "ci-role-trust",
                [role("deploy", githubTrustPolicy(provider, "someone-else/pneumonia-platform", "staging"))],
                settings,
            ),
            [
                'Role deploy: trusts another repository\'s workflows "someone-else/pneumonia-platform" (this repository: radiology-lab/pneumonia-platform)',
            ],
        );
    });

    it("refuses another environment", async () => {
        assert.deepEqual(
            await messages("ci-role-trust", [role("deploy", githubTrustPolicy(provider, settings.repository, "production"))], settings),
            ['Role deploy: trusts GitHub environment "production" (this stack\'s: staging)'],
        );
    });

    it("refuses a pull request's subject (a fork's pull request included) and a branch's", async () => {
        const trust = trustWith({
            StringEquals: {
                ...aud,
                "token.actions.githubusercontent.com:sub": [
                    "repo:radiology-lab/pneumonia-platform:pull_request",
                    "repo:radiology-lab/pneumonia-platform:ref:refs/heads/main",
                ],
            },
        });
        assert.deepEqual(await messages("ci-role-trust", [role("deploy", trust)], settings), [
            "Role deploy: trusts GitHub subject \"repo:radiology-lab/pneumonia-platform:pull_request\", not a deployment environment of a repository (a pull request's job, a fork's included, or any branch would match)",
            "Role deploy: trusts GitHub subject \"repo:radiology-lab/pneumonia-platform:ref:refs/heads/main\", not a deployment environment of a repository (a pull request's job, a fork's included, or any branch would match)",
        ]);
    });

    it("refuses a wildcard subject (StringLike), a missing subject and a missing audience", async () => {
        const wildcard = trustWith({
            StringEquals: aud,
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:radiology-lab/pneumonia-platform:*" },
        });
        assert.match(
            (await messages("ci-role-trust", [role("a", wildcard)], settings))[0]!,
            /^Role a: matches token\.actions\.githubusercontent\.com:sub with StringLike "repo:radiology-lab\/pneumonia-platform:\*"/,
        );
        assert.deepEqual(await messages("ci-role-trust", [role("b", trustWith({ StringEquals: aud }))], settings), [
            "Role b: trusts GitHub Actions without a token.actions.githubusercontent.com:sub condition: any repository's workflow could assume it",
        ]);
        const noAudience = trustWith({
            StringEquals: { "token.actions.githubusercontent.com:sub": "repo:radiology-lab/pneumonia-platform:environment:staging" },
        });
        assert.deepEqual(await messages("ci-role-trust", [role("c", noAudience)], settings), [
            "Role c: trusts GitHub Actions without StringEquals token.actions.githubusercontent.com:aud = sts.amazonaws.com",
        ]);
    });

    it("does not apply to roles other principals assume (IRSA, services)", async () => {
        const irsa = role("mlflow", {
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC" },
                    Action: "sts:AssumeRoleWithWebIdentity",
                },
            ],
        });
        assert.deepEqual(
            await messages(
                "ci-role-trust",
                [
                    irsa,
                    role("dlm", {
                        Statement: [{ Effect: "Allow", Principal: { Service: "dlm.amazonaws.com" }, Action: "sts:AssumeRole" }],
                    }),
                ],
                settings,
            ),
            [],
        );
    });
});
