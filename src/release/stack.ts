// The few stack operations delivery needs (outputs, config, history, up), behind an interface so
// promotion, rollback and the health check are tested against fakes. The real one is the Pulumi
// Automation API over this repository's project, which drives the `pulumi` CLI on the PATH.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { pulumiCall, pulumiFailure } from "./pulumi-cli";

export const repoRoot = path.resolve(__dirname, "../..");
export const projectName = "pneumonia-platform";

/** One entry of `pulumi stack history`: config values are strings (objects as JSON), secrets without a value. */
export interface StackUpdate {
    version: number;
    kind: string;
    result: string;
    /** The update's message (`pulumi up -m`): promote and rollback say there what they deployed and why. */
    message: string;
    startTime: Date;
    config: Record<string, { value?: string; secret: boolean }>;
}

export interface StackGateway {
    readonly name: string;
    /** Stack outputs; secret outputs are left out (nothing here needs them, and they must not be printed). */
    outputs(): Promise<Record<string, unknown>>;
    /** A config value by path within the project namespace, e.g. `detector.image`; undefined when unset. */
    getConfig(path: string): Promise<string | undefined>;
    /** Sets a plain (non-secret) config value by path, writing Pulumi.<stack>.yaml. */
    setConfig(path: string, value: string): Promise<void>;
    /** Newest first. */
    history(): Promise<StackUpdate[]>;
    /** `pulumi up`, streaming the engine's output through `log`; rejects when the update fails. */
    up(message: string, log: (line: string) => void): Promise<void>;
}

export type OpenStack = (stack: string) => Promise<StackGateway>;

/** Older updates than this many are not looked at: a rollback goes to a recent release, not an archaeological one. */
const historyPageSize = 100;

export const openAutomationStack: OpenStack = async (name) => {
    const stack = await pulumiCall(`stack select ${name}`, () => LocalWorkspace.selectStack({ stackName: name, workDir: repoRoot }));
    return {
        name,
        outputs: () =>
            pulumiCall(`stack output -s ${name}`, async () => {
                const outputs = await stack.outputs();
                return Object.fromEntries(Object.entries(outputs).flatMap(([key, o]) => (o.secret ? [] : [[key, o.value]])));
            }),
        getConfig: async (key) => {
            try {
                return (await stack.getConfig(key, true)).value;
            } catch (e) {
                // The CLI reports an unset key as an error; every other failure is real.
                if (/not found/i.test((e as Error).message)) return undefined;
                throw pulumiFailure(e, `config get ${key} -s ${name}`);
            }
        },
        setConfig: (key, value) => pulumiCall(`config set ${key} -s ${name}`, () => stack.setConfig(key, { value, secret: false }, true)),
        history: () =>
            pulumiCall(`stack history -s ${name}`, async () =>
                (await stack.history(historyPageSize, 1, false)).map((u) => ({
                    version: u.version,
                    kind: u.kind,
                    result: u.result,
                    message: u.message ?? "",
                    startTime: new Date(u.startTime),
                    config: Object.fromEntries(
                        Object.entries(u.config ?? {}).map(([k, v]) => [k, { value: v.value, secret: v.secret === true }]),
                    ),
                })),
            ),
        up: async (message, log) => {
            // Like the pipeline's `pulumi up --policy-pack policies`: a promotion or rollback is held to the same policies.
            await pulumiCall(`up -s ${name}`, () =>
                stack.up({
                    message,
                    onOutput: (out) => log(out.replace(/\n$/, "")),
                    color: "never",
                    ...policyPackOptions(name),
                }),
            );
        },
    };
};

/** The policy pack and the stack's own pack config, as the pipeline's `pulumi up --policy-pack policies --policy-pack-config policies/config/<stack>.json`. */
export function policyPackOptions(configStack: string): { policyPacks: string[]; policyPackConfigs?: string[] } {
    const policyConfig = path.join(repoRoot, "policies", "config", `${configStack}.json`);
    return { policyPacks: [path.join(repoRoot, "policies")], ...(existsSync(policyConfig) ? { policyPackConfigs: [policyConfig] } : {}) };
}
