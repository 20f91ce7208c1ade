// A small Pulumi mock runtime for the backups components: records every resource registered with
// its inputs, answers with plausible computed outputs (ARNs, bucket names), and validates every
// rendered Kubernetes object against its OpenAPI schema (the shared kubernetes-models helper).
import * as pulumi from "@pulumi/pulumi";
import { validateKubernetesObject } from "../../helpers/kubernetes-schema";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
    parent?: string;
}

const registered: Registered[] = [];
const account = "123456789012";

/** (Re)installs this file's mocks: other suites install their own between these tests. */
const installMocks = () =>
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "aws:s3/bucket:Bucket") {
                    const bucket = `${args.inputs.bucketPrefix ?? args.name}mock0001`;
                    Object.assign(state, { bucket, arn: `arn:aws:s3:::${bucket}` });
                } else if (args.type === "aws:kms/key:Key") {
                    Object.assign(state, { arn: `arn:aws:kms:eu-west-1:${account}:key/${args.name}`, keyId: args.name });
                } else if (args.type.startsWith("aws:")) {
                    state.arn = `arn:aws:${args.type.split(/[:/]/)[1]}::${account}:${args.name}`;
                }
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        "pneumonia-platform",
        "test",
        false,
    );

/** Runs `build` and returns what it registered once every output has resolved. */
export async function render(build: () => void): Promise<Registered[]> {
    await installMocks();
    const start = registered.length;
    build();
    // Registrations arrive asynchronously as outputs resolve; wait until none arrive for a while.
    let seen = -1;
    while (seen !== registered.length) {
        seen = registered.length;
        await new Promise((r) => setTimeout(r, 50));
    }
    return registered.slice(start);
}

export function find(resources: Registered[], type: string, name: string): Registered {
    const found = resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; have ${resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    return found;
}

export function ofType(resources: Registered[], type: string): Registered[] {
    return resources.filter((r) => r.type === type);
}

/** Validates every rendered Kubernetes object against its OpenAPI schema; returns how many there were. */
export async function validateKubernetes(resources: Registered[]): Promise<number> {
    const objects = resources.filter((r) => r.type.startsWith("kubernetes:"));
    for (const object of objects) await validateKubernetesObject(object.inputs);
    return objects.length;
}
