// IAM policy documents as the platform writes them: JSON strings or objects, one or many statements.
export interface Statement {
    Sid?: string;
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a policy document; throws a one-line error for a document that is not JSON. */
export function statementsOf(document: unknown): Statement[] {
    const parsed = typeof document === "string" ? JSON.parse(document) : document;
    const statements = (parsed as { Statement?: Statement | Statement[] } | undefined)?.Statement ?? [];
    return Array.isArray(statements) ? statements : [statements];
}

export function list(value: string | string[] | undefined): string[] {
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** IAM's case-insensitive wildcard match (`*` any run, `?` one character). */
export function wildcardMatches(pattern: string, value: string): boolean {
    const regex = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(value);
}

/** Whether two action patterns can name a common action (e.g. "s3:Get*" and "s3:GetObject*"). */
export function actionsOverlap(a: string, b: string): boolean {
    return wildcardMatches(a, b.replace(/[*?]/g, "")) || wildcardMatches(b, a.replace(/[*?]/g, ""));
}
