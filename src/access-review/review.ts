// The manual's Monthly Security Audit ("access control review", "rotate API keys") as one report:
// every IAM role with who may assume it and what it may do, every Kubernetes binding to a user or
// group, and every edge API client key with its age. Flags say what a reviewer must look at: a
// wildcard action, a wildcard resource on a write without a condition, trust beyond the stack's
// account, this repository or the OIDC subjects it expects, a service trusted without a source
// condition (the confused deputy), a key past its rotation period.
import { list, statementsOf, type Statement } from "../../policies/lib/iam";
import type { PlatformConfig } from "../../infra/config";
import { keyAges, type KeyAge } from "../../infra/security/key-age";

export interface ReviewResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

/** A (Cluster)RoleBinding's properties the review reads. */
interface RoleBindingProps {
    subjects?: { kind: string; name: string }[];
    metadata?: { name?: string; namespace?: string };
    roleRef?: { kind?: string; name?: string };
}

export interface RoleReview {
    name: string;
    /** One line per trust statement: who, by which action, under which conditions. */
    assumedBy: string[];
    /** One line per Allow statement of its inline policies, plus attached managed policies. */
    may: string[];
    flags: string[];
}

export interface BindingReview {
    binding: string;
    role: string;
    subjects: string[];
    flags: string[];
}

export interface AccessReview {
    stack: string;
    /** Where each part came from: the offline plan, the AWS account, the running cluster. */
    sources: string[];
    generatedAt: string;
    roles: RoleReview[];
    bindings: BindingReview[];
    keys: (KeyAge & { flags: string[] })[];
    keyRotationDays: number;
    flagCount: number;
}

export interface Expectations {
    /** Accounts the stack's roles may trust: its own (and, offline, the plan's stand-in for it). */
    accounts: string[];
    /** The cluster's IAM OIDC provider and the service-account subjects it may vouch for. */
    oidcProviderArn?: string;
    oidcIssuer?: string;
    namespaces: string[];
    /** owner/name of this repository: the only GitHub Actions subject trusted. */
    repository?: string;
}

const readOnly = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*\*?$/;
const githubIssuer = "token.actions.githubusercontent.com";

function describeConditions(s: Statement): string {
    const parts = Object.entries(s.Condition ?? {}).flatMap(([op, keys]) =>
        Object.entries(keys).map(([k, v]) => `${k} ${op} ${list(v as string | string[]).join("|")}`),
    );
    return parts.length ? ` when ${parts.join(", ")}` : "";
}

/** Condition values of `key` (any operator), and whether any operator matching `like` uses them. */
function conditionValues(s: Statement, key: string): { values: string[]; operators: string[] } {
    const values: string[] = [];
    const operators: string[] = [];
    for (const [op, keys] of Object.entries(s.Condition ?? {})) {
        for (const [k, v] of Object.entries(keys)) {
            if (k.toLowerCase() !== key.toLowerCase()) continue;
            values.push(...list(v as string | string[]));
            operators.push(op);
        }
    }
    return { values, operators };
}

function trustFlags(s: Statement, expect: Expectations): string[] {
    const flags: string[] = [];
    const principal = (s.Principal ?? {}) as Record<string, string | string[]> | string;
    if (principal === "*") return ["trusts anyone (Principal *)"];
    for (const arn of list((principal as Record<string, string | string[]>).AWS)) {
        const account = /^\d{12}$/.test(arn) ? arn : arn.split(":")[4];
        if (arn === "*" || !account || !expect.accounts.includes(account)) flags.push(`trust beyond the account: ${arn}`);
    }
    for (const service of list((principal as Record<string, string | string[]>).Service)) {
        const source = [...conditionValues(s, "aws:SourceAccount").values, ...conditionValues(s, "aws:SourceArn").values];
        if (source.length === 0) flags.push(`trusts ${service} without aws:SourceAccount or aws:SourceArn (confused deputy)`);
        for (const a of conditionValues(s, "aws:SourceAccount").values)
            if (!expect.accounts.includes(a)) flags.push(`trusts ${service} on behalf of another account: ${a}`);
    }
    for (const provider of list((principal as Record<string, string | string[]>).Federated)) {
        const host = provider.split(":oidc-provider/")[1];
        if (!host) {
            flags.push(`trusts a federated principal that is not an OIDC provider: ${provider}`);
            continue;
        }
        const sub = conditionValues(s, `${host}:sub`);
        const wildcard = sub.values.some((v) => /[*?]/.test(v)) && sub.operators.some((o) => o.startsWith("StringLike"));
        if (sub.values.length === 0) flags.push(`trusts every subject of ${host} (no :sub condition)`);
        else if (wildcard) flags.push(`trusts subjects of ${host} by wildcard: ${sub.values.join(", ")}`);
        if (host === githubIssuer) {
            for (const v of sub.values)
                if (!expect.repository || !v.startsWith(`repo:${expect.repository}:`))
                    flags.push(`trusts GitHub Actions of another repository: ${v}`);
        } else if (provider === expect.oidcProviderArn) {
            for (const v of sub.values) {
                const namespace = /^system:serviceaccount:([^:]+):[^:]+$/.exec(v)?.[1];
                if (!namespace || !expect.namespaces.includes(namespace)) flags.push(`trusts an unexpected cluster subject: ${v}`);
            }
        } else flags.push(`trusts another cluster or identity provider: ${provider}`);
    }
    return flags;
}

function permissionFlags(s: Statement): string[] {
    if (s.Effect !== "Allow") return [];
    const flags: string[] = [];
    if (s.NotAction) flags.push(`allows every action but ${list(s.NotAction).join(", ")} (NotAction)`);
    for (const a of list(s.Action)) if (a.includes("*") && !readOnly.test(a)) flags.push(`wildcard action ${a}`);
    const writes = list(s.Action).filter((a) => !readOnly.test(a));
    if (list(s.Resource).includes("*") && writes.length > 0 && !s.Condition)
        flags.push(`wildcard resource * for ${writes.join(", ")} without a condition`);
    return flags;
}

/** The physical names a resource can be referred to by (its name, or the id the provider gave it). */
const refersTo = (value: unknown, role: ReviewResource) =>
    value === role.name || value === role.props.name || value === `${role.name}-id` || value === role.props.arn;

export function reviewAccess(
    resources: ReviewResource[],
    config: Pick<PlatformConfig, "edge" | "security">,
    expect: Expectations,
    now: Date,
    stack: string,
    sources: string[],
): AccessReview {
    const of = (type: string) => resources.filter((r) => r.type === type);
    const roles = of("aws:iam/role:Role").map((role): RoleReview => {
        const trust = statementsOf(role.props.assumeRolePolicy ?? "{}");
        const inline = [
            ...of("aws:iam/rolePolicy:RolePolicy")
                .filter((p) => refersTo(p.props.role, role))
                .flatMap((p) => statementsOf(p.props.policy)),
            ...((role.props.inlinePolicies ?? []) as { policy?: string }[]).flatMap((p) => (p.policy ? statementsOf(p.policy) : [])),
        ];
        const attached = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => refersTo(a.props.role, role))
            .map((a) => String(a.props.policyArn));
        const who = (s: Statement) => {
            const p = s.Principal as Record<string, unknown> | string | undefined;
            return p === "*"
                ? "anyone"
                : Object.entries(p ?? {})
                      .map(([kind, v]) => `${kind} ${list(v as string | string[]).join(", ")}`)
                      .join("; ");
        };
        return {
            name: role.name,
            assumedBy: trust
                .filter((s) => s.Effect === "Allow")
                .map((s) => `${who(s)} by ${list(s.Action).join(", ")}${describeConditions(s)}`),
            may: [
                ...inline.map(
                    (s) =>
                        `${s.Effect} ${list(s.Action ?? s.NotAction).join(", ")} on ${list(s.Resource).join(", ")}${describeConditions(s)}`,
                ),
                ...attached.map((arn) => `managed policy ${arn}`),
            ],
            flags: [...trust.filter((s) => s.Effect === "Allow").flatMap((s) => trustFlags(s, expect)), ...inline.flatMap(permissionFlags)],
        };
    });
    const bindings = [
        ...of("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"),
        ...of("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"),
    ]
        .map((b): BindingReview | undefined => {
            const props = b.props as RoleBindingProps;
            const people = (props.subjects ?? []).filter((s) => s.kind === "User" || s.kind === "Group");
            if (people.length === 0) return undefined;
            const where = props.metadata?.namespace ? `${props.metadata.namespace}/` : "";
            const role = `${props.roleRef?.kind} ${props.roleRef?.name}`;
            const flags = people
                .filter((s) => ["system:authenticated", "system:unauthenticated", "system:anonymous"].includes(s.name))
                .map((s) => `binds ${role} to everyone: ${s.kind} ${s.name}`);
            if (props.roleRef?.name === "cluster-admin") flags.push("grants cluster-admin");
            return {
                binding: `${b.type.endsWith("ClusterRoleBinding") ? "ClusterRoleBinding" : "RoleBinding"} ${where}${props.metadata?.name}`,
                role,
                subjects: people.map((s) => `${s.kind} ${s.name}`),
                flags,
            };
        })
        .filter((b): b is BindingReview => b !== undefined);
    const keys = keyAges(config.edge.clients, config.security, now).map((k) => ({
        ...k,
        flags:
            k.issued === undefined
                ? ["issue date unknown: name it k<YYYY>-<MM> or set security.keyIssued"]
                : k.due
                  ? [`older than the rotation period (${config.security.keyRotationDays} days)`]
                  : [],
    }));
    const flagCount = [...roles, ...bindings, ...keys].reduce((n, x) => n + x.flags.length, 0);
    return {
        stack,
        sources,
        generatedAt: now.toISOString(),
        roles,
        bindings,
        keys,
        keyRotationDays: config.security.keyRotationDays,
        flagCount,
    };
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The report an auditor reads: Markdown, flags first in each section. */
export function reviewMarkdown(review: AccessReview): string {
    const flagged = (flags: string[]) => (flags.length ? flags.map((f) => `**FLAG** ${f}`).join("<br>") : "ok");
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    return [
        `# Access review: ${review.stack}`,
        "",
        `Generated ${review.generatedAt} from ${review.sources.join(", ")}. ${review.flagCount} flag(s).`,
        "",
        `## IAM roles (${review.roles.length})`,
        "",
        "| Role | Who may assume it | What it may do | Review |",
        "|---|---|---|---|",
        ...review.roles.map(
            (r) =>
                `| ${r.name} | ${cell(r.assumedBy.join("<br>"))} | ${cell(r.may.join("<br>") || "nothing")} | ${cell(flagged(r.flags))} |`,
        ),
        "",
        `## Kubernetes bindings to users or groups (${review.bindings.length})`,
        "",
        ...(review.bindings.length === 0
            ? [
                  "None declared by the stack: its bindings name service accounts only. Charts' own bindings and the cluster's (aws-auth, access entries) are listed by the online review (`--cluster`).",
              ]
            : [
                  "| Binding | Role | Subjects | Review |",
                  "|---|---|---|---|",
                  ...review.bindings.map((b) => `| ${b.binding} | ${b.role} | ${b.subjects.join("<br>")} | ${flagged(b.flags)} |`),
              ]),
        "",
        `## Edge API client keys (${review.keys.length}; rotation period ${review.keyRotationDays} days)`,
        "",
        "| Client | Key | Issued | Age (days) | Rotation due | Review |",
        "|---|---|---|---|---|---|",
        ...review.keys.map(
            (k) =>
                `| ${k.client} | ${k.key} | ${k.issued ? day(k.issued) : "unknown"} | ${k.ageDays ?? "unknown"} | ${k.issued ? day(k.rotationDueAt) : "now"} | ${flagged(k.flags)} |`,
        ),
        "",
    ].join("\n");
}
