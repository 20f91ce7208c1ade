// The IAM rules: least privilege for the platform's roles (IRSA roles of the detector, MLflow, backups).
import * as aws from "@pulumi/aws";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourcePolicy } from "../lib/definitions";
import type { ResourceClass } from "../lib/kubernetes";
import { actionsOverlap, list, statementsOf, type Statement } from "../lib/iam";
import { manual, securityHub } from "../lib/sources";

const documentClasses: ResourceClass[] = [aws.iam.Policy, aws.iam.RolePolicy, aws.iam.UserPolicy, aws.iam.GroupPolicy];

/** Every policy document a resource grants: managed and inline policies, and a role's inline policies. */
function documentsOf(args: ResourceValidationArgs): { where: string; statements: Statement[] }[] {
    const parse = (where: string, document: unknown) => {
        try {
            return { where, statements: statementsOf(document) };
        } catch (e) {
            throw new Error(`${where}: the policy is not valid JSON: ${(e as Error).message}`, { cause: e });
        }
    };
    if (documentClasses.some((c) => args.isType(c))) return [parse(`${args.type.split(":")[2]} ${args.name}`, args.props.policy)];
    const role = args.asType(aws.iam.Role);
    if (role) {
        return (role.inlinePolicies ?? [])
            .filter((p) => p.policy !== undefined)
            .map((p) => parse(`Role ${args.name} inline policy ${p.name ?? ""}`.trim(), p.policy));
    }
    return args.notApplicable("Policy only applies to IAM policies, role/user/group policies and roles' inline policies");
}

const allows = (statements: Statement[]) => statements.filter((s) => s.Effect === "Allow");

export const iamNoWildcardWriteActions = resourcePolicy<{ readOnlyPrefixes: string[] }>(
    {
        name: "iam-no-wildcard-write-actions",
        description:
            'IAM policies allow no wildcard action that can write: no "*", no "service:*", no "s3:Put*"; read-only wildcards (Get*, List*, Describe*) are allowed.',
        severity: "high",
        framework: securityHub("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services"),
        remediationSteps:
            "List the write actions the workload needs (e.g. s3:PutObject) instead of a wildcard; never use NotAction in an Allow.",
    },
    {
        readOnlyPrefixes: {
            type: "array",
            items: { type: "string" },
            default: ["Get", "List", "Describe", "Head", "BatchGet"],
            description: "Action name prefixes whose wildcard (e.g. s3:Get*) only reads.",
        },
    },
    (args, report, config) => {
        for (const { where, statements } of documentsOf(args)) {
            for (const statement of allows(statements)) {
                if (statement.NotAction !== undefined) report(`${where}: an Allow statement uses NotAction, granting every other action`);
                for (const action of list(statement.Action)) {
                    if (!action.includes("*") && !action.includes("?")) continue;
                    const operation = action.split(":")[1] ?? "";
                    const readOnly = config.readOnlyPrefixes.some(
                        (p) => operation.startsWith(p) && !/[*?]/.test(operation.slice(0, p.length)),
                    );
                    if (!readOnly) report(`${where}: allows the wildcard action "${action}", which includes write actions`);
                }
            }
        }
    },
);

export const iamNoWildcardDataResources = resourcePolicy<{ dataActions: string[] }>(
    {
        name: "iam-no-wildcard-data-resources",
        description: 'IAM policies grant data access (S3 objects, KMS decrypt/encrypt, secrets) only on named resources, never on "*".',
        severity: "high",
        framework: manual("Backup and Recovery: encrypted and access-controlled backups"),
        remediationSteps: "Name the bucket ARNs (arn:aws:s3:::bucket/prefix/*), key ARNs and secret ARNs the workload uses.",
    },
    {
        dataActions: {
            type: "array",
            items: { type: "string" },
            default: [
                "s3:GetObject*",
                "s3:PutObject*",
                "s3:DeleteObject*",
                "s3:ListBucket*",
                "s3:RestoreObject",
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
                "secretsmanager:GetSecretValue",
                "ssm:GetParameter*",
                "rds-db:connect",
            ],
            description: "Actions that read or write data (wildcards allowed).",
        },
    },
    (args, report, config) => {
        for (const { where, statements } of documentsOf(args)) {
            for (const statement of allows(statements)) {
                const data = list(statement.Action).filter((a) => config.dataActions.some((d) => actionsOverlap(a, d)));
                if (data.length === 0) continue;
                if (list(statement.Resource).includes("*")) report(`${where}: allows ${data.join(", ")} on every resource ("*")`);
                if (statement.NotResource !== undefined)
                    report(`${where}: allows ${data.join(", ")} on NotResource, i.e. every other resource`);
            }
        }
    },
);
