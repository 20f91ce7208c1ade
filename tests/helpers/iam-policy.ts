// IAM's evaluation of a request against identity and resource policies, as AWS documents it, for
// testing the policy documents the platform writes:
// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
//   (an explicit Deny wins; otherwise any Allow allows; nothing is an implicit deny)
// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
//   (across accounts, the principal's identity policy AND the resource policy must both allow)
// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
//   (an account id or arn:aws:iam::<id>:root names every principal of that account)
// Only the condition operators the platform uses are known; any other makes the evaluator throw,
// so a document using one cannot pass by being misread.
import { list, statementsOf, wildcardMatches, type Statement } from "../../policies/lib/iam";

export interface Request {
    action: string;
    principalArn: string;
    principalAccount: string;
    /** The resource's account (for a repository, the registry's). */
    resourceAccount: string;
    resource: string;
    context?: Record<string, string>;
}

type Decision = "allow" | "deny" | "implicit-deny";

function principalMatches(principal: unknown, request: Request): boolean {
    if (principal === "*") return true;
    const aws = list((principal as { AWS?: string | string[] } | undefined)?.AWS);
    return aws.some(
        (p) =>
            p === "*" ||
            p === request.principalAccount ||
            p === `arn:aws:iam::${request.principalAccount}:root` ||
            p === request.principalArn,
    );
}

function conditionHolds(condition: Statement["Condition"], request: Request): boolean {
    const context: Record<string, string> = {
        "aws:PrincipalAccount": request.principalAccount,
        "aws:PrincipalArn": request.principalArn,
        ...request.context,
    };
    return Object.entries(condition ?? {}).every(([operator, entries]) =>
        Object.entries(entries).every(([key, expected]) => {
            const actual = context[key];
            const values = list(expected as string | string[]);
            if (operator === "StringEquals") return actual !== undefined && values.includes(actual);
            if (operator === "StringLike") return actual !== undefined && values.some((v) => wildcardMatches(v, actual));
            // Bool compares "true"/"false"; Null "true" holds when the key is absent, "false" when present
            // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
            if (operator === "Bool") return actual !== undefined && values.map(String).includes(actual);
            if (operator === "Null") return values.map(String).includes(actual === undefined ? "true" : "false");
            throw new Error(`condition operator ${operator} is not modelled`);
        }),
    );
}

/** One policy's decision; `resourcePolicy` statements carry a Principal and may omit Resource (the resource it is attached to). */
export function decide(document: unknown, request: Request, resourcePolicy: boolean): Decision {
    let allowed = false;
    for (const s of statementsOf(document)) {
        if (resourcePolicy ? !principalMatches(s.Principal, request) : s.Principal !== undefined) continue;
        const actions = s.NotAction
            ? !list(s.NotAction).some((a) => wildcardMatches(a, request.action))
            : list(s.Action).some((a) => wildcardMatches(a, request.action));
        if (!actions) continue;
        const resources = s.Resource === undefined ? resourcePolicy : list(s.Resource).some((r) => wildcardMatches(r, request.resource));
        if (!resources || !conditionHolds(s.Condition, request)) continue;
        if (s.Effect === "Deny") return "deny";
        if (s.Effect === "Allow") allowed = true;
    }
    return allowed ? "allow" : "implicit-deny";
}

/** Whether AWS allows the request, given the principal's identity policies and the resource's policy. */
export function allowed(request: Request, identityPolicies: unknown[], resourcePolicy: unknown | undefined): boolean {
    const identity = identityPolicies.map((d) => decide(d, request, false));
    const resource = resourcePolicy === undefined ? "implicit-deny" : decide(resourcePolicy, request, true);
    if (identity.includes("deny") || resource === "deny") return false;
    const identityAllows = identity.includes("allow");
    if (request.principalAccount !== request.resourceAccount) return identityAllows && resource === "allow";
    return identityAllows || resource === "allow";
}

/**
 * arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly, v3, as published in the AWS managed
 * policy reference (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryReadOnly.html):
 * what an EKS node role carries.
 */
export const ecrReadOnlyManagedPolicy = {
    Version: "2012-10-17",
    Statement: [
        {
            Effect: "Allow",
            Action: [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:GetRepositoryPolicy",
                "ecr:DescribeRepositories",
                "ecr:ListImages",
                "ecr:DescribeImages",
                "ecr:BatchGetImage",
                "ecr:GetLifecyclePolicy",
                "ecr:GetLifecyclePolicyPreview",
                "ecr:ListTagsForResource",
                "ecr:DescribeImageScanFindings",
            ],
            Resource: "*",
        },
    ],
};

/** A principal that may do anything in ECR by its own account's say-so (a CI or admin role). */
export const ecrFullAccessPolicy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }] };
