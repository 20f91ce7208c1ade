// Physical names that are global (an AWS account or region) or cluster-wide must not be the same
// for two stacks, or a DR drill stack could not stand beside its source: such names are derived
// from the stack name here. Auto-named resources (Pulumi's random suffix, S3 `bucketPrefix`, RDS
// `identifierPrefix`) are unique already; namespaced Kubernetes objects live in the stack's namespaces.

/** `<base>-<stack>`, e.g. alias/backups-production, prometheus-dr-20261127-210000. */
export function stackScopedName(base: string, stack: string): string {
    return `${base}-${stack}`;
}
