// The access review's online IAM layer: the account's roles as IAM reports them, through the AWS
// CLI (the repository has no IAM client): list-roles (service-linked roles, which AWS alone
// manages, left out), then each role's inline policies and attached managed policies
// (https://docs.aws.amazon.com/cli/latest/reference/iam/). The AWS CLI decodes the URL-encoded
// policy documents IAM returns into JSON.
import { awsCli } from "../cli/aws";
import type { ReviewResource } from "./review";

interface Role {
    RoleName: string;
    Arn: string;
    Path: string;
    AssumeRolePolicyDocument: unknown;
}

export async function accountRoles(aws: string[]): Promise<ReviewResource[]> {
    const roles = ((await awsCli(aws, ["iam", "list-roles", "--query", "Roles"])) as Role[]).filter(
        (r) => !r.Path.startsWith("/aws-service-role/"),
    );
    const resources: ReviewResource[] = [];
    for (const role of roles) {
        const names = (await awsCli(aws, [
            "iam",
            "list-role-policies",
            "--role-name",
            role.RoleName,
            "--query",
            "PolicyNames",
        ])) as string[];
        const inlinePolicies = [];
        for (const name of names) {
            const document = await awsCli(aws, [
                "iam",
                "get-role-policy",
                "--role-name",
                role.RoleName,
                "--policy-name",
                name,
                "--query",
                "PolicyDocument",
            ]);
            inlinePolicies.push({ name, policy: JSON.stringify(document) });
        }
        resources.push({
            type: "aws:iam/role:Role",
            name: role.RoleName,
            props: { name: role.RoleName, arn: role.Arn, assumeRolePolicy: JSON.stringify(role.AssumeRolePolicyDocument), inlinePolicies },
        });
        const attached = (await awsCli(aws, [
            "iam",
            "list-attached-role-policies",
            "--role-name",
            role.RoleName,
            "--query",
            "AttachedPolicies[].PolicyArn",
        ])) as string[];
        for (const policyArn of attached)
            resources.push({
                type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                name: `${role.RoleName}-${policyArn}`,
                props: { role: role.RoleName, policyArn },
            });
    }
    return resources;
}
