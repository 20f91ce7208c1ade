// The part of Pulumi the DR drill uses, behind an interface so tests drive the drill with a fake.
import { LocalWorkspace, type ConfigMap } from "@pulumi/pulumi/automation";

export type { ConfigMap };

export interface DrWorkspace {
    /** The source stack's whole config (secrets decrypted, marked secret) and its outputs. */
    readSource(stack: string): Promise<{ config: ConfigMap; outputs: Record<string, unknown> }>;
    createStack(stack: string, config: ConfigMap): Promise<void>;
    /** `pulumi up`; resolves with the stack outputs. */
    up(stack: string, onOutput: (line: string) => void): Promise<Record<string, unknown>>;
    /** `pulumi destroy`, then removes the stack. */
    destroy(stack: string, onOutput: (line: string) => void): Promise<void>;
}

/** The real thing: the Pulumi CLI through the Automation API, on this repository's project. */
export function localWorkspace(workDir: string): DrWorkspace {
    const select = (stackName: string) => LocalWorkspace.selectStack({ stackName, workDir });
    return {
        async readSource(stack) {
            const source = await select(stack);
            const outputs = await source.outputs();
            return { config: await source.getAllConfig(), outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])) };
        },
        async createStack(stack, config) {
            const created = await LocalWorkspace.createStack({ stackName: stack, workDir });
            await created.setAllConfig(config);
        },
        async up(stack, onOutput) {
            const result = await (await select(stack)).up({ onOutput });
            return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
        },
        async destroy(stack, onOutput) {
            const selected = await select(stack);
            await selected.destroy({ onOutput });
            await selected.workspace.removeStack(stack);
        },
    };
}
