// Shared by the per-container policy tests: the platform's workload kinds, compliant, and the
// detector Deployment with one thing broken.
import * as assert from "node:assert/strict";
import { messages } from "../check";
import { backupCronJob, deployment, edit, job, statefulSet } from "../factory";

export type Props = Record<string, any>;

export const firstContainer = (p: Props) => p.spec.template.spec.containers[0];

export function compliantWorkloads() {
    return [deployment("detector"), statefulSet("postgres"), backupCronJob("db"), job("object-store-buckets")];
}

export function brokenDetector(change: (container: Props, pod: Props) => void) {
    return edit(deployment("detector"), (p) => change(firstContainer(p), p.spec.template.spec));
}

/** The policy passes every compliant workload kind and flags the broken detector once, naming it. */
export async function assertFlags(policy: string, change: (container: Props, pod: Props) => void, message: RegExp): Promise<void> {
    assert.deepEqual(await messages(policy, compliantWorkloads()), []);
    const found = await messages(policy, [brokenDetector(change)]);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^Deployment pneumonia\/detector: /);
    assert.match(found[0], message);
}
