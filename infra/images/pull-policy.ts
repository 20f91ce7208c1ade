// Who may pull from the registry account's repositories besides that account itself: exactly the
// configured node roles of other accounts (production's), with the three actions a kubelet's image
// pull makes and nothing that writes. Cross-account access needs both this resource policy and the
// puller's own identity policy (EKS's AmazonEC2ContainerRegistryReadOnly on the node role, which also
// grants ecr:GetAuthorizationToken: an account-level action no repository policy can grant,
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html).
export const pullActions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] as const;

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: {
        Sid: string;
        Effect: "Allow";
        Principal: { AWS: string[] };
        Action: string[];
        Condition: { StringEquals: { "aws:PrincipalAccount": string[]; "aws:PrincipalArn": string[] } };
    }[];
}

/**
 * The repository policy admitting `pullers` (role ARNs) to pull; undefined when there is nobody to admit.
 * The principals are the pullers' accounts and the roles are named in a condition: SetRepositoryPolicy
 * refuses a policy whose principal is a role that does not exist ("Principal not found",
 * hashicorp/terraform-provider-aws issue 39064), and production's roles may not exist yet when the
 * registry's stack first deploys. aws:PrincipalArn is the role's ARN for its sessions
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
 */
export function pullPolicy(pullers: string[]): PolicyDocument | undefined {
    if (pullers.length === 0) return undefined;
    const accounts = [...new Set(pullers.map((arn) => arn.split(":")[4]!))].sort();
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OtherAccountsNodesPull",
                Effect: "Allow",
                Principal: { AWS: accounts.map((account) => `arn:aws:iam::${account}:root`) },
                Action: [...pullActions],
                // Both keys: the caller's account and exactly the configured roles.
                Condition: { StringEquals: { "aws:PrincipalAccount": accounts, "aws:PrincipalArn": [...pullers].sort() } },
            },
        ],
    };
}
