// The EKS cluster the platform runs in, as AWS stacks name it: the OIDC provider IRSA roles
// trust, the VPC and subnets, and the node security group the database admits.
import { z } from "zod";

export const clusterSchema = z
    .object({
        name: z.string().min(1),
        /** IAM OIDC provider of the EKS cluster, for IRSA trust policies. */
        oidcProviderArn: z.string().regex(/^arn:aws:iam::\d{12}:oidc-provider\/.+$/, "an IAM OIDC provider ARN"),
        /** The issuer without scheme, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
        oidcIssuer: z.string().regex(/^[^:/]+\/.+$/, "the OIDC issuer host and path without https://"),
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "a VPC id such as vpc-0abc"),
        privateSubnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, "subnet ids such as subnet-0abc")).min(2),
        /** Security group of the worker nodes: the only source allowed to reach RDS. */
        nodeSecurityGroupId: z.string().regex(/^sg-[0-9a-f]+$/, "a security group id such as sg-0abc"),
    })
    .strict();
export type ClusterConfig = z.infer<typeof clusterSchema>;
