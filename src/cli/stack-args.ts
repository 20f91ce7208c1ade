// Arguments every stack command checks before it reaches Pulumi, the cluster or an endpoint, so that a
// mistyped stack or image is one usage line (exit 2) and nothing has started: alert-test uses it, and
// rollback (src/release) is to call it before opening the stack.
import type { PlatformConfig } from "../../infra/config";
import { imageReference } from "../../infra/platform/schema";
import { readStackFile } from "../release/stack-file";
import { UsageError } from "./command";

/** The stack's settings from Pulumi.<stack>.yaml; a missing file or an invalid key is a UsageError naming it. */
export function stackArgument(stack: string): PlatformConfig {
    try {
        return readStackFile(stack);
    } catch (e) {
        throw new UsageError((e as Error).message.split("\n")[0]!);
    }
}

/** An image reference given as `flag` (repo:tag or repo@sha256:…, never latest), checked by the config's own rule. */
export function imageArgument(flag: string, value: string): string {
    const result = imageReference.safeParse(value);
    if (!result.success) throw new UsageError(`${flag}: expected ${result.error.issues[0]!.message}, got "${value}"`);
    return value;
}
