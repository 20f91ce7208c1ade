// The offline plan answers caller-identity with the account the stack's config names (its
// cluster's IAM OIDC provider), so names and ARNs in `plan` are the ones `pulumi up` creates there.
import { strict as assert } from "node:assert";
import { defaultPlanAccount } from "../../../src/plan/mocks";
import { at, plan, resource } from "../../helpers/plan";

const accounts = { staging: "111122223333", production: "444455556666" } as const;

describe("plan: the configured account", () => {
    for (const [stack, account] of Object.entries(accounts)) {
        it(`${stack}: bucket names and ARNs carry ${account}, never the mocks' ${defaultPlanAccount}`, async () => {
            const p = await plan(stack);
            const text = JSON.stringify(p.resources.map((r) => r.inputs));
            assert.ok(!text.includes(defaultPlanAccount), `${stack} plan names account ${defaultPlanAccount}`);
            // The ALB access-log bucket is named after getCallerIdentity's account (infra/edge/load-balancer.ts).
            const logs = p.resources.find(
                (r) => r.type === "aws:s3/bucket:Bucket" && String(r.inputs.bucket).startsWith("edge-access-logs-"),
            );
            assert.equal(logs?.inputs.bucket, `edge-access-logs-${account}-${stack}`);
            // An IRSA role's ARN is computed by the provider: the ServiceAccount names it in the stack's account.
            const serviceAccount = resource(p, "kubernetes:core/v1:ServiceAccount", "mlflow");
            assert.equal(
                at(serviceAccount.inputs, "metadata.annotations")["eks.amazonaws.com/role-arn"],
                `arn:aws:iam::${account}:role/mlflow`,
            );
        });
    }

    it("a stack whose cluster names another account plans in that account", async () => {
        const oidcProviderArn =
            "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789";
        const p = await plan("staging", {
            overrides: {
                cluster: { oidcProviderArn },
                images: { promoteRoleArn: "arn:aws:iam::210987654321:role/pneumonia-staging-promote" },
                // The file's other role ARNs, named explicitly, move with the account too.
                security: {
                    evidence: {
                        responders: ["arn:aws:iam::210987654321:role/pneumonia-staging-incident-responder"],
                        auditors: ["arn:aws:iam::210987654321:role/pneumonia-staging-security-auditor"],
                    },
                },
            },
        });
        const logs = p.resources.find((r) => r.type === "aws:s3/bucket:Bucket" && String(r.inputs.bucket).startsWith("edge-access-logs-"));
        assert.equal(logs?.inputs.bucket, "edge-access-logs-210987654321-staging");
        assert.ok(!JSON.stringify(p.resources.map((r) => r.inputs)).includes("111122223333:role"), "no role of the file's account");
    });
});
