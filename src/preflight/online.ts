// Preflight, online part: with AWS credentials and a kubeconfig, each prerequisite of the stack
// checked where it lives, by the AWS CLI and kubectl (their JSON output), each with its name.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { githubSubject } from "../../bootstrap/github-trust";
import { registryAccountId, stackAccountId } from "../../infra/images/config";
import { readStackConfig } from "../plan/run";

export interface CheckResult {
    name: string;
    /** Undefined when the check passed. */
    problem?: string;
}

/** A CLI call's outcome; `json` is what the tool printed, typed by the caller that knows the tool's output. */
export type ToolResult<Json = unknown> = { ok: true; json: Json; error: string } | { ok: false; json?: undefined; error: string };
export type Run = (tool: string, args: string[], env?: NodeJS.ProcessEnv) => ToolResult;

/** The stack config keys these checks read, as Pulumi.<stack>.yaml holds them. */
interface StackValues {
    environment: Parameters<typeof registryAccountId>[0]["environment"];
    repository?: string;
    cluster?: { oidcProviderArn: string; vpcId?: string };
    kubernetes?: { context?: string };
    edge?: { hostedZoneId?: string; host?: string };
    images?: { registryAccountId?: string; promoteRoleArn?: string };
}

/** A CLI call: its JSON on success, its first error line otherwise (never a stack trace). */
export const runTool: Run = (tool, args, env = process.env) => {
    const result = spawnSync(tool, args, { encoding: "utf8", timeout: 60_000, env });
    if (result.error) return { ok: false, error: `${tool} not found on PATH` };
    const error = (result.stderr || "").trim().split("\n").filter(Boolean).pop() ?? `exit ${result.status}`;
    if (result.status !== 0) return { ok: false, error };
    try {
        return { ok: true, json: result.stdout.trim() ? JSON.parse(result.stdout) : {}, error: "" };
    } catch {
        return { ok: true, json: result.stdout, error: "" };
    }
};

/** The platform's ECR repositories (infra/images/repositories.ts). */
export const registryRepositories = ["pneumonia-detector", "pneumonia-mlflow", "pneumonia-backup"];

export async function onlineChecks(stack: string, root: string, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
    const run = <Json = unknown>(tool: string, args: string[]) => runTool(tool, args, env) as ToolResult<Json>;
    const { values, region } = readStackConfig(stack, { root });
    const document = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { secretsprovider?: string } | null;
    const c = values as unknown as StackValues;
    const account = stackAccountId(c.cluster);
    const aws = <Json>(args: string[]) => run<Json>("aws", [...args, "--region", region, "--output", "json"]);
    const kubectl = <Json>(args: string[]) =>
        run<Json>("kubectl", [...(c.kubernetes?.context ? ["--context", c.kubernetes.context] : []), ...args, "-o", "json"]);
    const results: CheckResult[] = [];
    const check = (name: string, problem: () => string | undefined) => results.push({ name, problem: problem() });

    check("AWS credentials of the stack's account", () => {
        const id = aws<{ Account?: string }>(["sts", "get-caller-identity"]);
        if (!id.ok) return id.error;
        return id.json.Account === account ? undefined : `credentials of account ${id.json.Account}, the stack's cluster is in ${account}`;
    });
    check("state backend reachable", () => {
        const url = env.PULUMI_BACKEND_URL;
        if (!url) return env.PULUMI_ACCESS_TOKEN ? undefined : "PULUMI_BACKEND_URL is not set (the bootstrap's backendUrl output)";
        const bucket = /^s3:\/\/([^/?]+)/.exec(url)?.[1];
        if (!bucket) return undefined;
        const head = aws(["s3api", "head-bucket", "--bucket", bucket]);
        return head.ok ? undefined : `s3://${bucket}: ${head.error}`;
    });
    check("secrets key (awskms://) reachable", () => {
        const match = /^awskms:\/\/([^?]+)(?:\?region=([a-z0-9-]+))?/.exec(document?.secretsprovider ?? "");
        if (!match) return "the stack file has no awskms:// secretsprovider";
        const key = run("aws", ["kms", "describe-key", "--key-id", match[1]!, "--region", match[2] ?? region, "--output", "json"]);
        return key.ok ? undefined : `${match[1]}: ${key.error}`;
    });
    check("cluster OIDC provider present", () => {
        const provider = aws(["iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", c.cluster?.oidcProviderArn ?? ""]);
        return provider.ok ? undefined : `${c.cluster?.oidcProviderArn}: ${provider.error}`;
    });
    check("public subnets tagged for internet-facing load balancers", () => {
        const subnets = aws<{ Subnets?: { AvailabilityZone: string }[] }>([
            "ec2",
            "describe-subnets",
            "--filters",
            `Name=vpc-id,Values=${c.cluster?.vpcId}`,
            "Name=tag:kubernetes.io/role/elb,Values=1",
        ]);
        if (!subnets.ok) return subnets.error;
        // An internet-facing ALB needs subnets in at least two zones.
        const zones = new Set((subnets.json.Subnets ?? []).map((s) => s.AvailabilityZone));
        return zones.size >= 2
            ? undefined
            : `${c.cluster?.vpcId}: ${zones.size} zone(s) with a subnet tagged kubernetes.io/role/elb=1, an internet-facing ALB needs 2`;
    });
    const hostedZoneId = c.edge?.hostedZoneId;
    if (hostedZoneId) {
        check("hosted zone present", () => {
            const zone = aws<{ HostedZone?: { Name?: string } }>(["route53", "get-hosted-zone", "--id", hostedZoneId]);
            if (!zone.ok) return `${hostedZoneId}: ${zone.error}`;
            const name = String(zone.json.HostedZone?.Name ?? "").replace(/\.$/, "");
            return `${c.edge?.host}`.endsWith(name) ? undefined : `${hostedZoneId} is ${name}, not a parent of edge.host ${c.edge?.host}`;
        });
    }
    type Images = Parameters<typeof registryAccountId>[0]["images"];
    // registryAccountId reads only images.registryAccountId, the one key a stack may leave out.
    const registry = registryAccountId({ environment: c.environment, images: (c.images ?? {}) as Images, cluster: c.cluster });
    check("registry repositories present", () => {
        const repos = aws(["ecr", "describe-repositories", "--registry-id", registry ?? "", "--repository-names", ...registryRepositories]);
        return repos.ok ? undefined : `account ${registry}: ${repos.error}`;
    });
    const promoteRoleArn = c.images?.promoteRoleArn;
    if (promoteRoleArn) {
        check("promote role assumable", () => {
            const assumed = aws([
                "sts",
                "assume-role",
                "--role-arn",
                promoteRoleArn,
                "--role-session-name",
                "preflight",
                "--duration-seconds",
                "900",
            ]);
            return assumed.ok ? undefined : `${promoteRoleArn}: ${assumed.error}`;
        });
    }
    check("CI deploy role trusts this repository's environment", () => {
        const name = `pneumonia-${c.environment}-deploy`;
        const role = aws<{ Role: { AssumeRolePolicyDocument: unknown } }>(["iam", "get-role", "--role-name", name]);
        if (!role.ok) return `${name}: ${role.error}`;
        const policy = role.json.Role.AssumeRolePolicyDocument;
        type Trust = { Statement?: { Condition?: { StringEquals?: Record<string, string | string[]> } }[] };
        const trust = (typeof policy === "string" ? JSON.parse(decodeURIComponent(policy)) : policy) as Trust;
        const subjects = (trust.Statement ?? []).flatMap((s) =>
            [s.Condition?.StringEquals?.["token.actions.githubusercontent.com:sub"] ?? []].flat(),
        );
        const wanted = githubSubject(String(c.repository), c.environment);
        return subjects.length === 1 && subjects[0] === wanted
            ? undefined
            : `${name} trusts ${JSON.stringify(subjects)}, expected exactly "${wanted}"`;
    });
    check("cluster reachable at the configured context", () => {
        const version = run<{ serverVersion?: unknown }>("kubectl", [
            ...(c.kubernetes?.context ? ["--context", c.kubernetes.context] : []),
            "version",
            "-o",
            "json",
        ]);
        return version.ok && version.json.serverVersion
            ? undefined
            : `context ${c.kubernetes?.context}: ${version.error || "no server version"}`;
    });
    check("VPC CNI enforces NetworkPolicy", () => {
        const node = kubectl<{ spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } }>([
            "-n",
            "kube-system",
            "get",
            "daemonset",
            "aws-node",
        ]);
        if (!node.ok) return `kube-system/aws-node: ${node.error}`;
        const args = (node.json.spec?.template?.spec?.containers ?? []).flatMap((k) => k.args ?? []);
        return args.includes("--enable-network-policy=true")
            ? undefined
            : "aws-node runs without --enable-network-policy=true: NetworkPolicies are not enforced";
    });
    check("metrics-server serving", () => {
        const metrics = run("kubectl", [
            ...(c.kubernetes?.context ? ["--context", c.kubernetes.context] : []),
            "get",
            "--raw",
            "/apis/metrics.k8s.io/v1beta1/nodes",
        ]);
        return metrics.ok ? undefined : `metrics.k8s.io: ${metrics.error}`;
    });
    return results;
}

export function onlineReport(stack: string, results: CheckResult[]): string {
    const failed = results.filter((r) => r.problem);
    const lines = results.map((r) => `  ${r.problem ? "FAIL" : "ok  "}  ${r.name}${r.problem ? `: ${r.problem}` : ""}`);
    return `preflight ${stack} (online): ${failed.length === 0 ? "every prerequisite present" : `${failed.length} of ${results.length} checks failed`}\n${lines.join("\n")}\n`;
}
