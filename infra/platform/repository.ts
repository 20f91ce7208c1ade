// One repository setting, `repository: <owner>/<name>` (this repository on GitHub), from which the
// values that must name it are derived: the identity cosign keyless puts in CI's image signatures
// (admission accepts only it) and the runbook links alerts carry. A fork sets one key, not three.
import { z } from "zod";

export const repositorySchema = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/, "a GitHub repository such as <owner>/<name>");

/** The workflow that builds, signs and promotes images (.github/workflows/delivery.yml), on the default branch. */
export const signingWorkflow = ".github/workflows/delivery.yml";
export const defaultBranch = "main";

/** Fulcio's subject for a GitHub Actions workflow: its URL and ref (sigstore's GitHub OIDC claims mapping). */
export function signingIdentity(repository: string): string {
    return `https://github.com/${repository}/${signingWorkflow}@refs/heads/${defaultBranch}`;
}

export function runbookBaseUrl(repository: string): string {
    return `https://github.com/${repository}/blob/${defaultBranch}`;
}

/** Defaults derived from the repository, merged under the stack file (which may still override either). */
export function repositoryDefaults(repository: unknown) {
    if (typeof repository !== "string" || !repositorySchema.safeParse(repository).success) return {};
    return {
        images: { signing: { identity: signingIdentity(repository) } },
        monitoring: { runbookBaseUrl: runbookBaseUrl(repository) },
    };
}
