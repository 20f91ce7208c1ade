// Trust for roles GitHub Actions assumes with its OIDC token (AssumeRoleWithWebIdentity): only this
// repository's workflows running in one GitHub environment. GitHub puts the environment in the
// token's `sub` as repo:<owner>/<repo>:environment:<name> for a job that names one (GitHub docs,
// "About security hardening with OpenID Connect", example subject claims), and a pull request's
// job, a fork's included, gets repo:<owner>/<repo>:pull_request, so it never matches.

export const githubIssuerHost = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests. */
export const githubAudience = "sts.amazonaws.com";

export function githubSubject(repository: string, environment: string): string {
    return `repo:${repository}:environment:${environment}`;
}

/** The trust policy of a CI role: exact audience and subject, StringEquals (no wildcard). */
export function githubTrustPolicy(providerArn: string, repository: string, environment: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${githubIssuerHost}:aud`]: githubAudience,
                        [`${githubIssuerHost}:sub`]: githubSubject(repository, environment),
                    },
                },
            },
        ],
    };
}
