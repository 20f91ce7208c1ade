import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "./cluster";

export interface ServiceAccountRoleArgs {
    cluster: ClusterConfig;
    namespace: string;
    serviceAccount: string;
    /** The role's only permissions (inline policy). */
    statements: pulumi.Input<aws.iam.PolicyStatement>[];
    tags: Record<string, string>;
}

/**
 * An IAM role for one Kubernetes service account (IRSA): trusted by the cluster's OIDC provider for
 * exactly `system:serviceaccount:<namespace>:<serviceAccount>` and the STS audience, nothing else.
 */
export class ServiceAccountRole extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    /** The annotation that binds the service account to this role. */
    public readonly annotations: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ServiceAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pneumonia:aws:ServiceAccountRole", name, {}, opts);
        if (args.statements.length === 0) throw new Error(`${name}: a service account role needs at least one policy statement`);
        const issuer = args.cluster.oidcIssuer;

        const role = new aws.iam.Role(
            name,
            {
                description: `IRSA role of ${args.namespace}/${args.serviceAccount}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { Federated: args.cluster.oidcProviderArn },
                            Action: "sts:AssumeRoleWithWebIdentity",
                            Condition: {
                                StringEquals: {
                                    [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                                    [`${issuer}:aud`]: "sts.amazonaws.com",
                                },
                            },
                        },
                    ],
                }),
                maxSessionDuration: 3600,
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            name,
            { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: args.statements }) },
            { parent: this },
        );

        this.arn = role.arn;
        this.annotations = role.arn.apply((arn): Record<string, string> => ({ "eks.amazonaws.com/role-arn": arn }));
        this.registerOutputs({ arn: this.arn });
    }
}
