// The evaluator reproduces the engine's analyzer host: these cases pin the behaviours a policy
// author relies on (node_modules/@pulumi/policy/server.js), with small policies written here.
import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as proxy from "@pulumi/policy/proxy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { reconcileConfig } from "../../../src/policy/config";
import { evaluate, PolicyRuntimeError, type InputResource } from "../../../src/policy/evaluate";
import { pack } from "../../../src/policy/pack";
import { deployment, edit, kmsKey, resource } from "../../policies/factory";

const unknownString = (proxy as unknown as { unknownStringValue: string }).unknownStringValue;

function run(policies: Policy[], resources: InputResource[], document: Record<string, unknown> = {}) {
    return evaluate({ ...pack, policies }, resources, reconcileConfig(policies, document, "test"));
}

const namesDeployment: ResourceValidationPolicy = {
    name: "reads-name",
    description: "Reads metadata.name of Deployments.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const d = args.asType(k8s.apps.v1.Deployment);
        if (!d) return args.notApplicable("only Deployments");
        if (d.metadata?.name !== "detector") report(`named ${d.metadata?.name}`);
    },
};

describe("src/policy/evaluate", () => {
    it("checks types as the engine does: by the class's type token", async () => {
        const result = await run([namesDeployment], [deployment("mlflow"), kmsKey("k")]);
        assert.deepEqual(
            result.violations.map((v) => v.message),
            ["named mlflow"],
        );
        assert.deepEqual(result.notApplicable, [{ policy: "reads-name", resource: kmsKey("k").urn, reason: "only Deployments" }]);
    });

    it("reports a policy touching an unknown value as advisory, 'can't run during preview'", async () => {
        const unknown = edit(deployment("detector"), (p) => (p.metadata.name = unknownString));
        const [violation] = (await run([namesDeployment], [unknown])).violations;
        assert.equal(violation.level, "advisory");
        assert.match(
            violation.message,
            /^can't run policy 'reads-name' from policy pack 'pneumonia-platform@v\d+\.\d+\.\d+' during preview: string value at \.metadata\.name can't be known during preview$/,
        );
    });

    it("unwraps secrets before policies see them", async () => {
        const secret = { [specialSigKey]: specialSecretSig, value: "postgresql://mlflow:hunter2@db:5432/mlflow" };
        const leaky = edit(
            deployment("detector"),
            (p) => (p.spec.template.spec.containers[0].env = [{ name: "DATABASE_URL", value: secret }]),
        );
        const policy = pack.policies.filter((p) => p.name === "kubernetes-no-secrets-in-env");
        const [violation] = (await run(policy, [leaky])).violations;
        assert.match(violation.message, /DATABASE_URL to a value that looks like a credential/);
        assert.ok(!violation.message.includes("hunter2"));
    });

    it("fills config defaults from the schema and lets the file override them, per policy and with 'all'", async () => {
        const seen: unknown[] = [];
        const configured: ResourceValidationPolicy = {
            name: "configured",
            description: "Records its config.",
            enforcementLevel: "mandatory",
            configSchema: {
                properties: { limit: { type: "integer", default: 3 }, names: { type: "array", items: { type: "string" }, default: ["a"] } },
            },
            validateResource: (args, report) => {
                seen.push(args.getConfig());
                report("");
            },
        };
        const one = [kmsKey("k")];
        const first = await run([configured], one);
        assert.deepEqual(seen.pop(), { limit: 3, names: ["a"] });
        assert.deepEqual(first.violations, [
            { policy: "configured", resource: one[0].urn, level: "mandatory", message: "Records its config." },
        ]);
        const second = await run([configured], one, { all: "advisory", configured: { limit: 5 } });
        assert.deepEqual(seen.pop(), { limit: 5, names: ["a"] });
        assert.equal(second.violations[0].level, "advisory");
        assert.equal((await run([configured], one, { all: "advisory", configured: "remediate" })).violations[0].level, "mandatory");
        assert.deepEqual((await run([configured], one, { configured: "disabled" })).violations, []);
    });

    it("gives stack policies every resource with its parent, and reports stack-wide violations on (stack)", async () => {
        const component = resource("pneumonia:storage:SecureBucket", "artifacts", {});
        const bucket = resource("aws:s3/bucket:Bucket", "artifacts", {}, component);
        const parents: (string | undefined)[] = [];
        const stack: StackValidationPolicy = {
            name: "stack-wide",
            description: "Looks at parents.",
            enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                for (const r of args.resources) if (r.isType(aws.s3.Bucket)) parents.push(r.parent?.name);
                report("the stack as a whole");
            },
        };
        const result = await run([stack], [component, bucket]);
        assert.deepEqual(parents, ["artifacts"]);
        assert.deepEqual(
            result.violations.map((v) => v.resource),
            ["(stack)"],
        );
    });

    it("fails with the policy and resource named when a policy throws", async () => {
        const broken: ResourceValidationPolicy = {
            name: "throws",
            description: "Always throws.",
            validateResource: () => {
                throw new Error("boom");
            },
        };
        await assert.rejects(
            run([broken], [kmsKey("k")]),
            (e: Error) => e instanceof PolicyRuntimeError && /policy 'throws'.*failed on urn:pulumi:.*kms.*: boom/.test(e.message),
        );
    });
});
