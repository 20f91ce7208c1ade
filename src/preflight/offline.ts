// Preflight, offline part: everything a stack file still lacks before `pulumi up` can run, found in
// one pass (not one key per failed run), each with the exact command that sets it.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { checkConfigKeys, parsePlatformConfig, platformConfigIssues } from "../../infra/config";
import { missingReceivers, receiverSecretKeys } from "../../infra/monitoring/alertmanager";
import { findPlaceholders } from "../../infra/platform/placeholders";
import { readStackConfig } from "../plan/run";

export interface Finding {
    /** The config key (without the project prefix) or the stack setting, e.g. secretsprovider. */
    key: string;
    problem: string;
    /** The command that fixes it. */
    command: string;
}

/** Staging and production encrypt secrets with the KMS key bootstrap/ creates; local keeps the passphrase provider. */
export function secretsProviderFor(stack: string, region: string): string {
    return `awskms://alias/pulumi-pneumonia-${stack}?region=${region}`;
}

const shellWord = (word: string) => (/^[\w.,:/@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** `pulumi config set`, with --path for a nested key and --secret for a secret (whose value pulumi prompts for). */
export function configSetCommand(stack: string, key: string, options: { secret?: boolean; value?: string } = {}): string {
    const nested = /[.[]/.test(key);
    // A secret's value is left to pulumi's prompt: never in a process argument or the shell history.
    const value = options.secret ? "" : (options.value ?? "<value>");
    return ["pulumi config set", `--stack ${stack}`, options.secret ? "--secret" : "", nested ? "--path" : "", shellWord(key), value]
        .filter(Boolean)
        .join(" ");
}

/** Every offline finding for Pulumi.<stack>.yaml under `root`, in stack-file order. */
export function offlineFindings(stack: string, root: string): Finding[] {
    const { project, values, secretKeys, region } = readStackConfig(stack, { root });
    const document = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
        secretsprovider?: string;
        encryptedkey?: string;
    } | null;
    const environment = values.environment;
    const deployed = environment === "staging" || environment === "production";
    const findings: Finding[] = [];

    if (deployed) {
        const provider = document?.secretsprovider;
        const wanted = secretsProviderFor(stack, region);
        if (!provider?.startsWith("awskms://") || !document?.encryptedkey) {
            findings.push({
                key: "secretsprovider",
                problem: provider
                    ? `${provider.split("?")[0]} without its encryptedkey, or not awskms://`
                    : "no secrets provider: secrets would fall back to a passphrase",
                command: `pulumi stack change-secrets-provider --stack ${stack} "${wanted}"`,
            });
        }
        if (values.repository === undefined) {
            findings.push({
                key: "repository",
                problem: "not set: image signing and runbook links would name another repository",
                command: configSetCommand(stack, "repository", { value: "<owner>/<name>" }),
            });
        }
    }

    for (const key of Object.keys(values)) {
        try {
            checkConfigKeys(project, [{ key, secret: secretKeys.includes(key) }]);
        } catch (e) {
            findings.push({
                key,
                problem: (e as Error).message.slice(`${project}:${key}: `.length),
                command: `pulumi config rm --stack ${stack} ${shellWord(key)}`,
            });
        }
    }

    // Secrets are encrypted in the file (and read offline as placeholders): only settings are checked here.
    const settings = Object.fromEntries(Object.entries(values).filter(([k]) => !secretKeys.includes(k)));
    const placeholders = deployed ? findPlaceholders(settings) : [];
    for (const p of placeholders)
        findings.push({
            key: p.key,
            problem: `example value ${JSON.stringify(p.value)} (${p.reason})`,
            command: configSetCommand(stack, p.key),
        });

    const issues = platformConfigIssues(settings);
    for (const { key, line } of issues) {
        if (findings.some((f) => f.key === key)) continue;
        findings.push({ key, problem: line.slice(key.length + 2), command: configSetCommand(stack, key) });
    }

    if (issues.length === 0 && deployed) {
        // What `pulumi up` (not the plan) refuses: a paging stack without its receivers' secrets.
        const parsed = parsePlatformConfig(settings, stack);
        if (missingReceivers(parsed.monitoring, parsed.environment, secretKeys, false).error) {
            for (const key of receiverSecretKeys.filter((k) => !secretKeys.includes(k))) {
                findings.push({
                    key,
                    problem: "required secret: the stack pages (monitoring.paged)",
                    command: configSetCommand(stack, key, { secret: true }),
                });
            }
        }
    }
    return findings;
}

/** The list as printed: each finding, then the command that fixes it. */
export function report(stack: string, findings: Finding[]): string {
    if (findings.length === 0) return `preflight ${stack}: ready to deploy (offline checks passed)\n`;
    const width = Math.max(...findings.map((f) => f.key.length));
    const lines = findings.map((f) => `  ${f.key.padEnd(width)}  ${f.problem}\n  ${" ".repeat(width)}  $ ${f.command}`);
    return `preflight ${stack}: ${findings.length} to fix before pulumi up\n${lines.join("\n")}\n`;
}
