// The monthly access review on the production plan: every role and key listed, and the cases that
// must be flagged (a wildcard, a foreign trust, another repository's or namespace's subject, a
// service without a source condition, an old key, a binding to everyone) flagged.
import * as assert from "node:assert/strict";
import { stackAccountId } from "../../../infra/images/config";
import { reviewAccess, reviewMarkdown, type ReviewResource } from "../../../src/access-review/review";
import { defaultPlanAccount } from "../../../src/plan/mocks";
import { readStackFile } from "../../../src/release/stack-file";
import { plan } from "../../helpers/plan";

const config = readStackFile("production");
const oidc = config.cluster!.oidcProviderArn;
const issuer = config.cluster!.oidcIssuer;
const expect = {
    accounts: [stackAccountId(config.cluster)!, defaultPlanAccount],
    oidcProviderArn: oidc,
    oidcIssuer: issuer,
    namespaces: ["pneumonia", "monitoring", "edge"],
    repository: "pneumonia-detector/pneumonia-platform",
};
const trust = (statement: Record<string, unknown>) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] });
const role = (name: string, assumeRolePolicy: string, policy?: Record<string, unknown>[]): ReviewResource[] => [
    { type: "aws:iam/role:Role", name, props: { assumeRolePolicy } },
    ...(policy
        ? [
              {
                  type: "aws:iam/rolePolicy:RolePolicy",
                  name,
                  props: { role: `${name}-id`, policy: JSON.stringify({ Version: "2012-10-17", Statement: policy }) },
              },
          ]
        : []),
];

describe("access-review", function () {
    this.timeout(120_000);
    let resources: ReviewResource[];
    before(async () => {
        resources = (await plan("production")).resources.map((r) => ({ type: r.type, name: r.name, props: r.props }));
    });

    it("lists every IAM role of the production plan with its trust and permissions, and every edge key with its age", () => {
        const review = reviewAccess(resources, config, expect, new Date("2026-12-07T00:00:00Z"), "production", ["plan"]);
        const planned = resources.filter((r) => r.type === "aws:iam/role:Role").map((r) => r.name);
        assert.ok(planned.length >= 10);
        assert.deepEqual(
            review.roles.map((r) => r.name),
            planned,
        );
        for (const r of review.roles) assert.ok(r.assumedBy.length > 0 && r.may.length > 0, r.name);
        const mlflow = review.roles.find((r) => r.name === "mlflow")!;
        assert.match(mlflow.assumedBy[0]!, /:sub StringEquals system:serviceaccount:pneumonia:mlflow/);
        assert.deepEqual(mlflow.flags, []);
        assert.deepEqual(review.roles.find((r) => r.name === "monitoring-dlm")!.may, [
            "managed policy arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole",
        ]);
        assert.deepEqual(
            review.keys.map((k) => [k.id, k.ageDays, k.due]),
            [
                ["radiology-pacs.k2026-11", 36, false],
                ["triage-app.k2026-11", 36, false],
            ],
        );
        assert.match(reviewMarkdown(review), /\| radiology-pacs \| k2026-11 \| 2026-11-01 \| 36 \| 2027-01-30 \| ok \|/);
        assert.deepEqual(
            review.bindings.map((b) => [b.binding, b.role, b.subjects, b.flags]),
            [
                [
                    "ClusterRoleBinding incident-responder",
                    "ClusterRole incident-responder",
                    ["Group pneumonia-production-incident-responders"],
                    [],
                ],
            ],
        );
    });

    it("flags keys past the rotation period, and keys of unknown age", () => {
        const review = reviewAccess(resources, config, expect, new Date("2027-02-01T00:00:00Z"), "production", ["plan"]);
        assert.deepEqual(
            review.keys.map((k) => k.flags),
            [["older than the rotation period (90 days)"], ["older than the rotation period (90 days)"]],
        );
        const undated = reviewAccess(
            [],
            { ...config, edge: { ...config.edge, clients: { laptop: { keys: ["k1"] } } } },
            expect,
            new Date("2026-12-07T00:00:00Z"),
            "x",
            ["plan"],
        );
        assert.deepEqual(undated.keys[0]!.flags, ["issue date unknown: name it k<YYYY>-<MM> or set security.keyIssued"]);
        const stated = reviewAccess(
            [],
            {
                ...config,
                edge: { ...config.edge, clients: { laptop: { keys: ["k1"] } } },
                security: { ...config.security, keyIssued: { "laptop.k1": "2026-12-01" } },
            },
            expect,
            new Date("2026-12-07T00:00:00Z"),
            "x",
            ["plan"],
        );
        assert.deepEqual([stated.keys[0]!.ageDays, stated.keys[0]!.flags], [6, []]);
    });

    it("flags a wildcard action, a wildcard write resource without condition, a foreign account, another repository, an unexpected subject and a deputy service", () => {
        const bad = [
            ...role("admin", trust({ Principal: { AWS: "arn:aws:iam::444455556666:role/ops" }, Action: "sts:AssumeRole" }), [
                { Effect: "Allow", Action: "*", Resource: "*" },
            ]),
            ...role("foreign", trust({ Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole" }), [
                { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::x/*" },
            ]),
            ...role(
                "ci-other",
                trust({
                    Principal: { Federated: "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com" },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:someone-else/fork:*" } },
                }),
            ),
            ...role(
                "ci-ours",
                trust({
                    Principal: { Federated: "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com" },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "token.actions.githubusercontent.com:sub": "repo:pneumonia-detector/pneumonia-platform:environment:production",
                        },
                    },
                }),
            ),
            ...role(
                "any-pod",
                trust({
                    Principal: { Federated: oidc },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringLike: { [`${issuer}:sub`]: "system:serviceaccount:*:*" } },
                }),
            ),
            ...role(
                "kube-system-pod",
                trust({
                    Principal: { Federated: oidc },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:kube-system:default" } },
                }),
            ),
            ...role("deputy", trust({ Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }), [
                { Effect: "Allow", Action: ["ec2:Describe*", "ec2:TerminateInstances"], Resource: "*" },
            ]),
        ];
        const review = reviewAccess(bad, config, expect, new Date("2026-12-07T00:00:00Z"), "production", ["plan"]);
        const flags = Object.fromEntries(review.roles.map((r) => [r.name, r.flags]));
        assert.deepEqual(flags, {
            admin: ["wildcard action *", "wildcard resource * for * without a condition"],
            foreign: ["trust beyond the account: arn:aws:iam::999999999999:root"],
            "ci-other": [
                "trusts subjects of token.actions.githubusercontent.com by wildcard: repo:someone-else/fork:*",
                "trusts GitHub Actions of another repository: repo:someone-else/fork:*",
            ],
            "ci-ours": [],
            "any-pod": [
                `trusts subjects of ${issuer} by wildcard: system:serviceaccount:*:*`,
                "trusts an unexpected cluster subject: system:serviceaccount:*:*",
            ],
            "kube-system-pod": ["trusts an unexpected cluster subject: system:serviceaccount:kube-system:default"],
            deputy: [
                "trusts lambda.amazonaws.com without aws:SourceAccount or aws:SourceArn (confused deputy)",
                "wildcard resource * for ec2:TerminateInstances without a condition",
            ],
        });
        assert.equal(review.flagCount, 10);
    });

    it("lists bindings to users and groups, flags one to every authenticated user, and leaves service-account bindings out", () => {
        const binding = (name: string, subjects: unknown[], roleName = "view") => ({
            type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            name,
            props: { metadata: { name }, roleRef: { kind: "ClusterRole", name: roleName }, subjects },
        });
        const review = reviewAccess(
            [
                binding("oncall-view", [{ kind: "Group", name: "pneumonia-oncall" }]),
                binding("everyone", [{ kind: "Group", name: "system:authenticated" }]),
                binding("break-glass", [{ kind: "User", name: "alice@example.org" }], "cluster-admin"),
                binding("controller", [{ kind: "ServiceAccount", name: "x", namespace: "edge" }]),
            ],
            config,
            expect,
            new Date("2026-12-07T00:00:00Z"),
            "production",
            ["cluster"],
        );
        assert.deepEqual(
            review.bindings.map((b) => [b.binding, b.subjects, b.flags]),
            [
                ["ClusterRoleBinding oncall-view", ["Group pneumonia-oncall"], []],
                [
                    "ClusterRoleBinding everyone",
                    ["Group system:authenticated"],
                    ["binds ClusterRole view to everyone: Group system:authenticated"],
                ],
                ["ClusterRoleBinding break-glass", ["User alice@example.org"], ["grants cluster-admin"]],
            ],
        );
    });
});
