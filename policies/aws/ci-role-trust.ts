// CI roles: a role GitHub Actions assumes with its OIDC token trusts one repository's workflows in
// one deployment environment, by exact subject. GitHub's token carries
// sub = repo:<owner>/<repo>:environment:<name> for a job that names an environment, and
// repo:<owner>/<repo>:pull_request for a pull request's job, a fork's included (GitHub docs,
// "About security hardening with OpenID Connect", example subject claims); AWS compares the claims
// named <issuer host>:aud and <issuer host>:sub (IAM docs, "Available keys for GitHub OIDC federation").
import * as aws from "@pulumi/aws";
import { resourcePolicy } from "../lib/definitions";
import { list, statementsOf } from "../lib/iam";
import { manual } from "../lib/sources";

const issuer = "token.actions.githubusercontent.com";
const subject = /^repo:([^/:*?]+\/[^:*?]+):environment:([^:*?]+)$/;

export const ciRoleTrust = resourcePolicy<{ repository: string; environments: string[] }>(
    {
        name: "ci-role-trust",
        description:
            "A role GitHub Actions assumes trusts only this repository's workflows in this stack's environment: exact aud and sub (repo:<owner>/<repo>:environment:<env>) under StringEquals.",
        severity: "critical",
        framework: manual("Security Review: update security policies"),
        remediationSteps:
            'Trust with Condition StringEquals {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:<owner>/<repo>:environment:<env>"} (bootstrap/github-trust.ts).',
    },
    {
        repository: {
            type: "string",
            default: "",
            description: "This repository as <owner>/<name>; empty: any one repository, but only one.",
        },
        environments: {
            type: "array",
            items: { type: "string" },
            default: ["production"],
            description: "GitHub environments this stack's CI roles may trust (policies/config/<stack>.json names its own).",
        },
    },
    (args, report, config) => {
        const role = args.asType(aws.iam.Role);
        if (!role) return args.notApplicable("Policy only applies to IAM roles");
        const where = `Role ${args.name}`;
        for (const statement of statementsOf(role.assumeRolePolicy)) {
            const federated = list((statement.Principal as { Federated?: string | string[] } | undefined)?.Federated);
            if (statement.Effect !== "Allow" || !federated.some((p) => p.endsWith(`oidc-provider/${issuer}`))) continue;
            const conditions = statement.Condition ?? {};
            const valuesOf = (operator: string, key: string) => list(conditions[operator]?.[key] as string | string[] | undefined);
            const audience = valuesOf("StringEquals", `${issuer}:aud`);
            if (audience.length !== 1 || audience[0] !== "sts.amazonaws.com")
                report(`${where}: trusts GitHub Actions without StringEquals ${issuer}:aud = sts.amazonaws.com`);
            for (const [operator, keys] of Object.entries(conditions)) {
                if (operator !== "StringEquals" && `${issuer}:sub` in keys) {
                    report(
                        `${where}: matches ${issuer}:sub with ${operator} ${JSON.stringify(keys[`${issuer}:sub`])}: a pattern admits other repositories, branches or pull requests; name the subject exactly with StringEquals`,
                    );
                }
            }
            const subjects = valuesOf("StringEquals", `${issuer}:sub`);
            if (subjects.length === 0 && !Object.values(conditions).some((keys) => `${issuer}:sub` in keys)) {
                report(`${where}: trusts GitHub Actions without a ${issuer}:sub condition: any repository's workflow could assume it`);
            }
            const repositories = new Set<string>();
            for (const sub of subjects) {
                const match = subject.exec(sub);
                if (!match) {
                    report(
                        `${where}: trusts GitHub subject "${sub}", not a deployment environment of a repository (a pull request's job, a fork's included, or any branch would match)`,
                    );
                    continue;
                }
                const [, repository, environment] = match;
                repositories.add(repository!);
                if (config.repository && repository !== config.repository)
                    report(`${where}: trusts another repository's workflows "${repository}" (this repository: ${config.repository})`);
                if (config.environments.length > 0 && !config.environments.includes(environment!)) {
                    report(`${where}: trusts GitHub environment "${environment}" (this stack's: ${config.environments.join(", ")})`);
                }
            }
            if (repositories.size > 1)
                report(
                    `${where}: trusts workflows of ${repositories.size} repositories (${[...repositories].join(", ")}): one role, one repository`,
                );
        }
    },
);
