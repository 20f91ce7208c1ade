// `npm run access-review -- <stack>`: the monthly access review (src/access-review/review.ts),
// offline from the plan of the stack this commit declares; with --aws the account's IAM roles
// replace the plan's (AWS CLI), with --cluster the running cluster's bindings to users and groups
// are added (kubectl in the stack's context).
import * as fs from "node:fs";
import { stackAccountId } from "../../infra/images/config";
import { awsCliCommand } from "../cli/aws";
import { exitCodes, requireTool, runCommand, UsageError, type CommandSpec, type ParsedArgs } from "../cli/command";
import { defaultPlanAccount } from "../plan/mocks";
import { planStack } from "../plan/run";
import { kubectl, kubectlInstall } from "../release/kubectl";
import { readStackFile } from "../release/stack-file";
import { accountRoles } from "./account";
import { reviewAccess, reviewMarkdown, type ReviewResource } from "./review";

const options = {
    out: { type: "string", value: "FILE", description: "write the Markdown report to FILE (default: stdout)" },
    json: { type: "boolean", description: "print the review as JSON instead of Markdown" },
    at: { type: "string", value: "DATE", description: "judge key ages as of DATE (YYYY-MM-DD; default: today)" },
    repository: {
        type: "string",
        value: "OWNER/NAME",
        description: "the only GitHub repository roles may trust (default: from monitoring.runbookBaseUrl)",
    },
    cluster: {
        type: "boolean",
        description: "also list the running cluster's RoleBindings and ClusterRoleBindings to users and groups (kubectl)",
    },
    aws: {
        type: "boolean",
        description: "review the IAM roles of the AWS account (AWS CLI, credentials of the stack's account) instead of the plan's",
    },
    strict: { type: "boolean", description: "exit 1 when anything is flagged" },
} as const;

export const spec = {
    invocation: "npm run --silent access-review --",
    positionals: "<stack>",
    minPositionals: 1,
    maxPositionals: 1,
    summary:
        "Lists every IAM role of the stack with who may assume it and what it may do, every Kubernetes binding to a user or group, and every edge API client key with its age; flags wildcards, trust beyond the account, this repository or the expected OIDC subjects, and keys past the rotation period.",
    options,
    notes: [
        "Offline by default: the stack as this commit declares it (the offline plan); --aws and --cluster read the running account and cluster. Exit codes: 0 report written, 1 flags found with --strict, 2 usage or environment error.",
    ],
    examples: [
        "npm run --silent access-review -- production --out access-review-production.md",
        "npm run --silent access-review -- production --aws --cluster --strict",
    ],
} satisfies CommandSpec<typeof options>;

/** owner/name from https://github.com/<owner>/<name>/blob/<ref>. */
function repositoryOf(url: string | undefined): string | undefined {
    return url ? /^https:\/\/github\.com\/([^/]+\/[^/]+)/.exec(url)?.[1] : undefined;
}

export async function runAccessReview(
    args: ParsedArgs<typeof options>,
    deps: { out: (text: string) => void; kubectl: string[]; aws?: string[] },
): Promise<number> {
    const [stack] = args.positionals as [string];
    const { values } = args;
    const now = values.at === undefined ? new Date() : new Date(`${values.at}T00:00:00Z`);
    if (Number.isNaN(now.getTime()) || (values.at !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.at)))
        throw new UsageError(`--at: "${values.at}" is not a date such as 2026-12-07`);
    const config = readStackFile(stack);
    const plan = await planStack(stack);
    const planned: ReviewResource[] = plan.resources.map((r) => ({ type: r.type, name: r.name, props: r.props }));
    const iamTypes = ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment"];
    const resources = values.aws
        ? [...planned.filter((r) => !iamTypes.includes(r.type)), ...(await accountRoles(deps.aws ?? awsCliCommand()))]
        : planned;
    const sources = [
        values.aws ? "the AWS account's IAM roles" : "the offline plan (the stack as this commit declares it)",
        ...(values.cluster ? ["the running cluster's bindings"] : []),
    ];
    const namespaces = [
        ...planned
            .filter((r) => r.type === "kubernetes:core/v1:Namespace")
            .map((r) => String((r.props.metadata as { name?: string } | undefined)?.name)),
        ...planned.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => String(r.props.namespace)),
    ];
    if (values.cluster) {
        requireTool(deps.kubectl[0]!, kubectlInstall);
        const access = { kubectl: deps.kubectl, context: config.kubernetes.context, kubeconfig: config.kubernetes.kubeconfig };
        const items = (
            JSON.parse(await kubectl(access, ["get", "rolebindings,clusterrolebindings", "--all-namespaces", "--output", "json"])) as {
                items: { kind: string; metadata: { name: string } }[];
            }
        ).items;
        for (const item of items)
            resources.push({ type: `kubernetes:rbac.authorization.k8s.io/v1:${item.kind}`, name: item.metadata.name, props: item });
    }
    const review = reviewAccess(
        resources,
        config,
        {
            accounts: [stackAccountId(config.cluster), defaultPlanAccount].filter((a): a is string => a !== undefined),
            oidcProviderArn: config.cluster?.oidcProviderArn,
            oidcIssuer: config.cluster?.oidcIssuer,
            namespaces,
            repository: values.repository ?? repositoryOf(config.monitoring.runbookBaseUrl),
        },
        now,
        stack,
        sources,
    );
    const text = values.json ? `${JSON.stringify(review, null, 2)}\n` : reviewMarkdown(review);
    if (values.out) fs.writeFileSync(values.out, text);
    else deps.out(text);
    if (values.out)
        deps.out(
            `wrote ${values.out}: ${review.roles.length} roles, ${review.bindings.length} bindings, ${review.keys.length} keys, ${review.flagCount} flag(s)\n`,
        );
    return values.strict && review.flagCount > 0 ? exitCodes.checkFailed : exitCodes.ok;
}

if (require.main === module) {
    runCommand(spec, (args) =>
        runAccessReview(args, { out: (t) => process.stdout.write(t), kubectl: (process.env.KUBECTL ?? "kubectl").split(" ") }),
    );
}
