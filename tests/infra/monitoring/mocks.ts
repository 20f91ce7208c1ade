// A minimal Pulumi mock runtime for one component: every resource it declares, with inputs
// resolved and a flag for each input that stays a secret Output.
import * as pulumi from "@pulumi/pulumi";
import { mockCall } from "../../../src/plan/mocks";

export interface Declared {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Top-level input keys whose value is a secret Output. */
    secretInputs: string[];
}

interface OutputInternals {
    promise(): Promise<unknown>;
    isSecret: Promise<boolean>;
}

async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return resolve(await (value as unknown as OutputInternals).promise());
    if (value instanceof Promise) return resolve(await value);
    if (pulumi.Resource.isInstance(value)) return resolve(value.urn);
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value !== null && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const));
        return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    }
    return value;
}

async function secretPaths(value: unknown, path: string): Promise<string[]> {
    if (pulumi.Output.isInstance(value)) {
        if (await (value as unknown as OutputInternals).isSecret) return [path];
        return secretPaths(await (value as unknown as OutputInternals).promise(), path);
    }
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const nested = await Promise.all(Object.entries(value).map(([k, v]) => secretPaths(v, path ? `${path}.${k}` : k)));
        return nested.flat();
    }
    return [];
}

/** Runs `build` under mocks (stack `stack`) and returns what it declared, in order. */
export async function declare(stack: string, build: () => void): Promise<Declared[]> {
    const registrations: Array<{ type: string; name: string; props: unknown }> = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({
                id: `${args.name}-id`,
                state: {
                    ...args.inputs,
                    ...(args.type === "random:index/randomPassword:RandomPassword" ? { result: "mock-generated" } : {}),
                },
            }),
            // The program's own answers to AWS data sources (account, region); anything else echoes its inputs.
            call: (args) => mockCall(args, "eu-west-1"),
        },
        "pneumonia-platform",
        stack,
        false,
    );
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            registrations.push({ type: args.type, name: args.name, props: args.props });
            return undefined;
        });
        build();
        return {};
    });
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return Promise.all(
        registrations.map(async (r) => ({
            type: r.type,
            name: r.name,
            inputs: (await resolve(r.props)) as Record<string, any>,
            secretInputs: await secretPaths(r.props, ""),
        })),
    );
}
