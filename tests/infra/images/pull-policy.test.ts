// The repository policy staging's plan attaches, evaluated as IAM evaluates a cross-account pull
// (tests/helpers/iam-policy.ts): production's node role pulls, nobody else does, nothing is pushed.
import { strict as assert } from "node:assert";
import { pullActions } from "../../../infra/images/pull-policy";
import { platformRepositories } from "../../../infra/images/repositories";
import { allowed, ecrFullAccessPolicy, ecrReadOnlyManagedPolicy, type Request } from "../../helpers/iam-policy";
import { at, plan, resource, resourcesOf } from "../../helpers/plan";

const registry = "111122223333";
const productionNode = { principalArn: "arn:aws:iam::444455556666:role/pneumonia-production-node", principalAccount: "444455556666" };
const repositoryArn = (name: string) => `arn:aws:ecr:eu-west-1:${registry}:repository/${name}`;
const request = (principal: { principalArn: string; principalAccount: string }, action: string, name = "pneumonia-detector"): Request => ({
    ...principal,
    action,
    resourceAccount: registry,
    resource: repositoryArn(name),
});

describe("images: repositories and the cross-account pull grant", function () {
    this.timeout(120_000);

    it("staging owns the detector, MLflow and backup repositories: immutable, scanned on push, KMS-encrypted, with the lifecycle", async () => {
        const p = await plan("staging");
        const repos = resourcesOf(p, "aws:ecr/repository:Repository");
        assert.deepEqual(repos.map((r) => r.inputs.name).sort(), Object.values(platformRepositories).sort());
        for (const r of repos) {
            assert.equal(r.inputs.imageTagMutability, "IMMUTABLE");
            assert.equal(at(r.inputs, "imageScanningConfiguration.scanOnPush"), true);
            assert.equal(at(r.inputs, "encryptionConfigurations.0.encryptionType"), "KMS");
        }
        assert.equal(resourcesOf(p, "aws:ecr/lifecyclePolicy:LifecyclePolicy").length, 3);
    });

    it("production owns no repository and builds nothing: it runs the registry's digests", async () => {
        const p = await plan("production");
        assert.deepEqual(resourcesOf(p, "aws:ecr/repository:Repository"), []);
        assert.deepEqual(resourcesOf(p, "docker:index/image:Image"), []);
    });

    for (const name of Object.values(platformRepositories)) {
        it(`${name}: production's node role may pull (with its AmazonEC2ContainerRegistryReadOnly), and only pull`, async () => {
            const p = await plan("staging");
            const policy = JSON.parse(
                resource(p, "aws:ecr/repositoryPolicy:RepositoryPolicy", `images-${name.replace("pneumonia-", "")}`).inputs
                    .policy as string,
            );
            for (const action of pullActions)
                assert.ok(allowed(request(productionNode, action, name), [ecrReadOnlyManagedPolicy], policy), action);
            // Even a production principal whose own policy allows everything cannot write or read metadata across accounts.
            for (const action of [
                "ecr:PutImage",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:BatchDeleteImage",
                "ecr:DescribeImages",
                "ecr:SetRepositoryPolicy",
            ]) {
                assert.equal(allowed(request(productionNode, action, name), [ecrFullAccessPolicy], policy), false, action);
            }
        });
    }

    it("another account's role, even one with the same name, may not pull", async () => {
        const policy = JSON.parse(
            resource(await plan("staging"), "aws:ecr/repositoryPolicy:RepositoryPolicy", "images-detector").inputs.policy as string,
        );
        const stranger = { principalArn: "arn:aws:iam::999988887777:role/pneumonia-production-node", principalAccount: "999988887777" };
        assert.equal(allowed(request(stranger, "ecr:BatchGetImage"), [ecrReadOnlyManagedPolicy], policy), false);
        // And a principal the policy does name is still refused if its own account does not allow it (cross-account needs both).
        assert.equal(allowed(request(productionNode, "ecr:BatchGetImage"), [], policy), false);
    });

    it("names no role as a principal, so ECR accepts it before production's roles exist, and other roles of that account may not pull", async () => {
        const p = await plan("staging");
        for (const r of resourcesOf(p, "aws:ecr/repositoryPolicy:RepositoryPolicy")) {
            const principals: string[] = JSON.parse(r.inputs.policy as string).Statement.flatMap(
                (s: { Principal: { AWS: string[] } }) => s.Principal.AWS,
            );
            // SetRepositoryPolicy refuses a role principal that does not exist: "Principal not found" (hashicorp/terraform-provider-aws issue 39064).
            assert.deepEqual(
                principals.filter((arn) => !/^arn:aws:iam::\d{12}:root$/.test(arn)),
                [],
                r.name,
            );
        }
        const policy = JSON.parse(resource(p, "aws:ecr/repositoryPolicy:RepositoryPolicy", "images-detector").inputs.policy as string);
        const neighbour = { principalArn: "arn:aws:iam::444455556666:role/some-other-role", principalAccount: "444455556666" };
        assert.equal(allowed(request(neighbour, "ecr:BatchGetImage"), [ecrReadOnlyManagedPolicy], policy), false);
    });

    it("without the grant, production's node role is refused: the policy is what lets production pull", () => {
        assert.equal(allowed(request(productionNode, "ecr:BatchGetImage"), [ecrReadOnlyManagedPolicy], undefined), false);
    });

    it("ecr:GetAuthorizationToken is granted on the puller's side only (account-level, no repository policy grants it)", async () => {
        const policy = JSON.parse(
            resource(await plan("staging"), "aws:ecr/repositoryPolicy:RepositoryPolicy", "images-detector").inputs.policy as string,
        );
        assert.ok(!JSON.stringify(policy).includes("GetAuthorizationToken"));
        // The token is for the caller's own registry endpoint auth; its grant is the node role's managed policy, Resource "*".
        const token: Request = {
            ...productionNode,
            action: "ecr:GetAuthorizationToken",
            resourceAccount: productionNode.principalAccount,
            resource: "*",
        };
        assert.ok(allowed(token, [ecrReadOnlyManagedPolicy], undefined));
    });
});
