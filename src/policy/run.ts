// One policy run: a stack (planned offline) or a resources file, against that stack's config.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { planStack, readStackConfig, type Plan } from "../plan/run";
import { loadStackConfig, type PackConfig } from "./config";
import { evaluate, type Evaluation, type InputResource } from "./evaluate";
import { pack } from "./pack";
import { readResources } from "./resources";

export interface PolicyRun extends Evaluation {
    resources: number;
    policies: number;
}

export function planResources(plan: Plan): InputResource[] {
    return plan.resources.map(({ urn, type, name, props, parent }) => ({ urn, type, name, props, ...(parent ? { parent } : {}) }));
}

export async function checkResources(resources: InputResource[], config: PackConfig): Promise<PolicyRun> {
    const evaluation = await evaluate(pack, resources, config);
    return { ...evaluation, resources: resources.length, policies: pack.policies.length };
}

/** Plans `stack` from the Pulumi project in `root` and checks it against policies/config/<stack>.json. */
export async function checkStack(stack: string, root: string): Promise<PolicyRun> {
    // The stack file first: for a mistyped stack, the missing Pulumi.<stack>.yaml is the news, not its policy config.
    readStackConfig(stack, { root });
    const config = loadStackConfig(stack, pack.policies);
    const plan = await planStack(stack, { root });
    return checkResources(planResources(plan), config);
}

export async function checkFile(file: string, stack: string, root: string): Promise<PolicyRun> {
    const config = loadStackConfig(stack, pack.policies);
    const projectFile = path.join(root, "Pulumi.yaml");
    const project = fs.existsSync(projectFile)
        ? ((parse(fs.readFileSync(projectFile, "utf8")) as { name?: string })?.name ?? "project")
        : "project";
    return checkResources(readResources(file, stack, project), config);
}
