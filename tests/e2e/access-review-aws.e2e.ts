// The access review's online IAM layer (--aws) against moto_server's IAM through the real AWS CLI:
// the account's roles replace the plan's, service-linked roles are left out, inline and attached
// policies are read, and the same flags apply.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { parseCommandArgs, type ParsedArgs } from "../../src/cli/command";
import { runAccessReview, spec } from "../../src/access-review/cli";
import type { AccessReview } from "../../src/access-review/review";
import { startMoto, type MotoServer } from "../../scripts/servers/moto";

describe("access-review --aws (moto_server IAM, AWS CLI)", function () {
    this.timeout(180_000);
    let moto: MotoServer;
    const saved = { ...process.env };

    before(async () => {
        moto = await startMoto();
        Object.assign(process.env, {
            AWS_ENDPOINT_URL: moto.endpoint,
            AWS_ACCESS_KEY_ID: "testing",
            AWS_SECRET_ACCESS_KEY: "testing-secret",
            AWS_DEFAULT_REGION: "eu-west-1",
        });
        const aws = (...args: string[]) => execFileSync("aws", [...args, "--output", "json"], { encoding: "utf8" });
        const trust = (principal: unknown) =>
            JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
        aws(
            "iam",
            "create-role",
            "--role-name",
            "vendor-access",
            "--assume-role-policy-document",
            trust({ AWS: "arn:aws:iam::999999999999:root" }),
        );
        aws(
            "iam",
            "put-role-policy",
            "--role-name",
            "vendor-access",
            "--policy-name",
            "everything",
            "--policy-document",
            JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }),
        );
        aws(
            "iam",
            "create-role",
            "--role-name",
            "ops-readonly",
            "--assume-role-policy-document",
            trust({ AWS: "arn:aws:iam::444455556666:root" }),
        );
        // moto holds no AWS managed policies: a customer managed one stands in.
        aws(
            "iam",
            "create-policy",
            "--policy-name",
            "read-only",
            "--policy-document",
            JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:Get*", Resource: "*" }] }),
        );
        aws("iam", "attach-role-policy", "--role-name", "ops-readonly", "--policy-arn", "arn:aws:iam::123456789012:policy/read-only");
        aws(
            "iam",
            "create-role",
            "--role-name",
            "AWSServiceRoleForSupport",
            "--path",
            "/aws-service-role/support.amazonaws.com/",
            "--assume-role-policy-document",
            trust({ Service: "support.amazonaws.com" }),
        );
    });
    after(async () => {
        for (const key of ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"]) delete process.env[key];
        Object.assign(process.env, saved);
        await moto.stop();
    });

    it("lists the account's roles, not the plan's, with their policies, flags the foreign trust and the wildcards, and --strict exits 1", async () => {
        let text = "";
        const code = await runAccessReview(
            parseCommandArgs(spec, ["production", "--aws", "--json", "--strict", "--at", "2026-12-07"]) as ParsedArgs<typeof spec.options>,
            { out: (t) => (text += t), kubectl: ["kubectl"], aws: ["aws"] },
        );
        assert.equal(code, 1);
        const review = JSON.parse(text) as AccessReview;
        assert.deepEqual(review.sources, ["the AWS account's IAM roles"]);
        assert.deepEqual(review.roles.map((r) => r.name).sort(), ["ops-readonly", "vendor-access"]);
        const vendor = review.roles.find((r) => r.name === "vendor-access")!;
        assert.deepEqual(vendor.flags, [
            "trust beyond the account: arn:aws:iam::999999999999:root",
            "wildcard action s3:*",
            "wildcard resource * for s3:* without a condition",
        ]);
        const ops = review.roles.find((r) => r.name === "ops-readonly")!;
        assert.deepEqual([ops.may, ops.flags], [["managed policy arn:aws:iam::123456789012:policy/read-only"], []]);
        // The keys and bindings still come from the stack.
        assert.equal(review.keys.length, 2);
        assert.equal(review.bindings.length, 1);
    });
});
