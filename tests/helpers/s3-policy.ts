// A small evaluator of the Deny statements of an S3 bucket policy, written from the IAM policy
// evaluation documents, for the operators our policies use. moto_server does not enforce bucket
// policies, so this is what stands between a policy and the first real upload in AWS.
// - Condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//   "If the key that you specify in a policy condition is not present in the request context, the
//   values do not match and the condition is false. If the policy condition requires that the key
//   is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the
//   condition is true. This logic applies to all condition operators except ...IfExists and Null
//   check." ...IfExists: "If the key is not present, evaluate the condition element as true."
//   Null: "true" matches when the key is absent, "false" when it is present.
// - Several operators in one Condition block, and several keys under one operator, must all hold
//   (logical AND); several values for one key match if any does (logical OR):
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
// - An explicit Deny overrides any Allow: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// Anything this evaluator does not know (an operator, NotAction, a wildcard it cannot match) makes
// it throw rather than guess.

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    /** Absent in a role's trust policy, where the role itself is the resource. */
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
    [other: string]: unknown;
}

/** One request as IAM sees it: the action it is authorised as, the resource, and the condition keys present. */
export interface PolicyRequest {
    action: string;
    resource: string;
    context: Record<string, string>;
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** IAM wildcards in actions and ARNs: * any run of characters, ? one character; case-insensitive for actions. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

function operatorHolds(operator: string, key: string, expected: string[], context: Record<string, string>): boolean {
    const present = Object.prototype.hasOwnProperty.call(context, key);
    const actual = context[key];
    if (operator === "Null") {
        if (expected.length !== 1 || !["true", "false"].includes(expected[0]))
            throw new Error(`Null takes "true" or "false", got ${expected.join(",")}`);
        return expected[0] === "true" ? !present : present;
    }
    const ifExists = operator.endsWith("IfExists");
    const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
    if (!present) {
        if (ifExists) return true;
        // A negated operator holds when the key is absent; every other one fails.
        return /^(StringNot|ArnNot|NumericNot|DateNot)/.test(base);
    }
    switch (base) {
        case "StringEquals":
            return expected.includes(actual);
        case "StringNotEquals":
            return !expected.includes(actual);
        case "StringLike":
            return expected.some((e) => wildcard(e, actual, false));
        case "StringNotLike":
            return !expected.some((e) => wildcard(e, actual, false));
        case "ArnLike":
        case "ArnEquals":
            return expected.some((e) => wildcard(e, actual, false));
        case "ArnNotLike":
        case "ArnNotEquals":
            return !expected.some((e) => wildcard(e, actual, false));
        case "Bool":
            return expected.map(String).includes(actual);
        default:
            throw new Error(`the evaluator does not know the condition operator ${operator}`);
    }
}

export function statementMatches(statement: PolicyStatement, request: PolicyRequest): boolean {
    for (const field of ["NotAction", "NotResource", "NotPrincipal"]) {
        if (field in statement) throw new Error(`the evaluator does not handle ${field} (statement ${statement.Sid ?? "?"})`);
    }
    if (!list(statement.Action).some((a) => wildcard(a, request.action, true))) return false;
    if (statement.Resource !== undefined && !list(statement.Resource).some((r) => wildcard(r, request.resource, false))) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) => operatorHolds(operator, key, list(values).map(String), request.context)),
    );
}

/** The Sids of the Deny statements that refuse `request` (empty: the bucket policy does not deny it). */
export function denyingStatements(policy: { Statement: PolicyStatement[] }, request: PolicyRequest): string[] {
    return policy.Statement.filter((s) => s.Effect === "Deny" && statementMatches(s, request)).map((s) => s.Sid ?? "(no Sid)");
}
