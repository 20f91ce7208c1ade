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
        Condition: { StringEquals: { "aws:PrincipalAccount": string[] } };
    }[];
}

/** The repository policy admitting `pullers` (role ARNs) to pull; undefined when there is nobody to admit. */
export function pullPolicy(pullers: string[]): PolicyDocument | undefined {
    if (pullers.length === 0) return undefined;
    const accounts = [...new Set(pullers.map((arn) => arn.split(":")[4]!))].sort();
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OtherAccountsNodesPull",
                Effect: "Allow",
                Principal: { AWS: [...pullers].sort() },
                Action: [...pullActions],
                // Pins the caller's account as well as the role: a role ARN recreated elsewhere cannot match.
                Condition: { StringEquals: { "aws:PrincipalAccount": accounts } },
            },
        ],
    };
}
