import * as assert from "node:assert/strict";
import { messages } from "../check";
import { leastPrivilege, resource, rolePolicy } from "../factory";

describe("aws/iam", () => {
    it("passes least-privilege statements (read-only wildcards included)", async () => {
        const list = [rolePolicy("backup", [...leastPrivilege, { Effect: "Allow", Action: ["ec2:Describe*"], Resource: "*" }])];
        assert.deepEqual(await messages("iam-no-wildcard-write-actions", list), []);
        assert.deepEqual(await messages("iam-no-wildcard-data-resources", list), []);
    });

    it("iam-no-wildcard-write-actions flags *, service:* and write wildcards, and NotAction", async () => {
        const list = [
            rolePolicy("admin", [
                { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" },
                { Effect: "Allow", Action: ["s3:Put*", "s3:Get*"], Resource: "arn:aws:s3:::b/*" },
                { Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" },
                { Effect: "Deny", Action: "s3:*", Resource: "*" },
            ]),
        ];
        assert.deepEqual(await messages("iam-no-wildcard-write-actions", list), [
            'RolePolicy admin: allows the wildcard action "*", which includes write actions',
            'RolePolicy admin: allows the wildcard action "s3:Put*", which includes write actions',
            "RolePolicy admin: an Allow statement uses NotAction, granting every other action",
        ]);
    });

    it("iam-no-wildcard-data-resources flags data actions on every resource", async () => {
        const list = [
            rolePolicy("reader", [
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" },
                { Effect: "Allow", Action: ["s3:*"], Resource: ["*"] },
                { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
            ]),
        ];
        assert.deepEqual(await messages("iam-no-wildcard-data-resources", list), [
            'RolePolicy reader: allows s3:GetObject on every resource ("*")',
            'RolePolicy reader: allows s3:* on every resource ("*")',
        ]);
    });

    it("reads managed policies and roles' inline policies, as objects or JSON", async () => {
        const managed = resource("aws:iam/policy:Policy", "wide", {
            policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] },
        });
        const role = resource("aws:iam/role:Role", "r", {
            assumeRolePolicy: "{}",
            inlinePolicies: [
                {
                    name: "inline",
                    policy: JSON.stringify({ Statement: { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" } }),
                },
            ],
        });
        assert.deepEqual(await messages("iam-no-wildcard-write-actions", [managed, role]), [
            'Policy wide: allows the wildcard action "kms:*", which includes write actions',
        ]);
        assert.deepEqual(await messages("iam-no-wildcard-data-resources", [managed, role]), [
            'Policy wide: allows kms:* on every resource ("*")',
            'Role r inline policy inline: allows secretsmanager:GetSecretValue on every resource ("*")',
        ]);
    });
});
