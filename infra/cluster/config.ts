// The optional cluster of an AWS environment (infra/cluster/component.ts): made by the account's
// bootstrap stack when its config has a `cluster` section; without it, bring your own cluster and
// fill the platform stack's `cluster` section by hand.
import { z } from "zod";
import { int } from "../platform/schema";

export const clusterCreateSchema = z
    .object({
        /** EKS Kubernetes version (minor), e.g. 1.33. */
        kubernetesVersion: z.string().regex(/^1\.\d{2}$/, "a Kubernetes minor version such as 1.33"),
        cidrBlock: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, "an IPv4 CIDR block from /16 to /24 such as 10.40.0.0/16"),
        instanceTypes: z.array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/, "an EC2 instance type such as m7i.large")).min(1),
        nodes: z.object({ min: int(1), desired: int(1), max: int(1) }).strict(),
    })
    .strict();
export type ClusterCreateConfig = z.infer<typeof clusterCreateSchema>;

export function clusterCreateDefaults(environment: "staging" | "production"): ClusterCreateConfig {
    const production = environment === "production";
    return {
        kubernetesVersion: "1.33",
        cidrBlock: production ? "10.40.0.0/16" : "10.30.0.0/16",
        instanceTypes: ["m7i.large"],
        // Production: the detector's 3 zone-spread replicas and RDS' peers need a node in each of 3 zones.
        nodes: production ? { min: 3, desired: 3, max: 9 } : { min: 2, desired: 2, max: 4 },
    };
}

/** The node role's name: the one staging's images.pullers grant names (arn:aws:iam::<account>:role/pneumonia-<env>-node). */
export function nodeRoleName(environment: string): string {
    return `pneumonia-${environment}-node`;
}
