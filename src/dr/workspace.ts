// The part of Pulumi the DR drill uses, behind an interface so tests drive the drill with a fake.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, type ConfigMap } from "@pulumi/pulumi/automation";
import { pulumiCall, runPulumi } from "../release/pulumi-cli";
import { policyPackOptions } from "../release/stack";
import { drillPolicyConfig } from "./policy";

export type { ConfigMap };

export interface SourceStack {
    name: string;
    /** The whole config, secrets decrypted (read from the CLI's stdout) and marked secret. */
    config: ConfigMap;
    outputs: Record<string, unknown>;
    /** What `pulumi stack init --secrets-provider` takes: the source's own provider, e.g. awskms://…, passphrase, default. */
    secretsProvider: string;
}

export interface DrWorkspace {
    readSource(stack: string): Promise<SourceStack>;
    /** `pulumi stack init` with the source's secrets provider and a copy of its config: the CLI re-encrypts the secrets. */
    initStack(stack: string, source: SourceStack): Promise<void>;
    /** Sets the keys of `config` that differ from the source's; secret values through stdin, never on a command line. */
    configure(stack: string, source: SourceStack, config: ConfigMap): Promise<void>;
    /** `pulumi up` with the policy pack; resolves with the stack outputs. `signal` cancels it (SIGINT to the CLI). */
    up(stack: string, source: string, onOutput: (line: string) => void, signal?: AbortSignal): Promise<Record<string, unknown>>;
    /** `pulumi destroy`, then removes the stack. */
    destroy(stack: string, onOutput: (line: string) => void): Promise<void>;
}

/** The keys of `config` whose value or secrecy differ from the source's. */
export function changedConfig(source: ConfigMap, config: ConfigMap): ConfigMap {
    return Object.fromEntries(
        Object.entries(config).filter(([key, v]) => source[key]?.value !== v.value || (source[key]?.secret ?? false) !== v.secret),
    );
}

/** The real thing: the Pulumi CLI, through the Automation API and, for what it cannot do without argv, directly. */
export function localWorkspace(workDir: string): DrWorkspace {
    const select = (stackName: string) => pulumiCall(`stack select ${stackName}`, () => LocalWorkspace.selectStack({ stackName, workDir }));
    return {
        async readSource(name) {
            const source = await select(name);
            const outputs = await pulumiCall(`stack output -s ${name}`, () => source.outputs());
            const config = await pulumiCall(`config -s ${name}`, () => source.getAllConfig());
            // Pulumi.<stack>.yaml: `secretsprovider` for a cloud KMS; `encryptionsalt` alone is the passphrase provider; neither, the service's.
            const settings = await pulumiCall(`stack settings ${name}`, () => source.workspace.stackSettings(name));
            const secretsProvider = settings.secretsProvider ?? (settings.encryptionSalt ? "passphrase" : "default");
            return { name, config, outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])), secretsProvider };
        },
        async initStack(stack, source) {
            await pulumiCall(`stack init ${stack}`, () =>
                runPulumi(
                    [
                        "stack",
                        "init",
                        stack,
                        "--secrets-provider",
                        source.secretsProvider,
                        "--copy-config-from",
                        source.name,
                        "--no-select",
                    ],
                    { cwd: workDir },
                ),
            );
        },
        async configure(stack, source, config) {
            const changed = Object.entries(changedConfig(source.config, config));
            const plain = changed.filter(([, v]) => !v.secret);
            if (plain.length > 0) {
                await pulumiCall(`config set-all -s ${stack}`, () =>
                    runPulumi(
                        ["config", "set-all", "--stack", stack, ...plain.flatMap(([key, v]) => ["--plaintext", `${key}=${v.value}`])],
                        { cwd: workDir },
                    ),
                );
            }
            // `pulumi config set <key>` without a value reads it from stdin (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/).
            for (const [key, v] of changed.filter(([, v]) => v.secret)) {
                await pulumiCall(`config set ${key} -s ${stack}`, () =>
                    runPulumi(["config", "set", key, "--secret", "--stack", stack], { cwd: workDir, input: v.value }),
                );
            }
        },
        async up(stack, source, onOutput, signal) {
            // The pack promote's up runs, with the source's config less what a drill stack is not (src/dr/policy.ts).
            const dir = mkdtempSync(join(tmpdir(), "dr-policy-"));
            try {
                const config = join(dir, `${stack}.json`);
                writeFileSync(config, JSON.stringify(drillPolicyConfig(source)), { mode: 0o600 });
                const selected = await select(stack);
                const result = await pulumiCall(`up -s ${stack}`, () =>
                    selected.up({
                        onOutput,
                        color: "never",
                        policyPacks: policyPackOptions(source).policyPacks,
                        policyPackConfigs: [config],
                        ...(signal ? { signal } : {}),
                    }),
                );
                return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        },
        async destroy(stack, onOutput) {
            const selected = await select(stack);
            await pulumiCall(`destroy -s ${stack}`, () => selected.destroy({ onOutput, color: "never" }));
            await pulumiCall(`stack rm ${stack}`, () => selected.workspace.removeStack(stack));
        },
    };
}
