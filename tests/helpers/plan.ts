// Plans for tests: each distinct (stack, options) is planned once per test run, since planning
// loads the whole program under the mock runtime.
import { planStack, type Plan, type PlannedResource, type PlanOptions } from "../../src/plan/run";

export const stacks = ["local", "staging", "production"] as const;

const cache = new Map<string, Promise<Plan>>();
let queue: Promise<unknown> = Promise.resolve();

/** Plans run one at a time: the mock runtime is process-global. */
export function plan(stack: string, options: PlanOptions = {}): Promise<Plan> {
    const key = JSON.stringify([stack, options]);
    let result = cache.get(key);
    if (!result) {
        result = queue.then(() => planStack(stack, options));
        queue = result.catch(() => undefined);
        cache.set(key, result);
    }
    return result;
}

export function resourcesOf(p: Plan, type: string): PlannedResource[] {
    return p.resources.filter((r) => r.type === type);
}

/** The one resource of `type` named `name`; fails the test if it is missing or ambiguous. */
export function resource(p: Plan, type: string, name: string): PlannedResource {
    const found = p.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name} in ${p.stack}, found ${found.length}`);
    return found[0];
}

/** Property access by dotted path, for readable assertions on nested inputs. */
export function at(value: unknown, dotted: string): any {
    return dotted.split(".").reduce<any>((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}
