// A stack's settings as its Pulumi.<stack>.yaml states them, parsed by the program's own schema:
// what the health check and the pipeline need to know about a stack without a Pulumi backend.
import { parsePlatformConfig, type PlatformSettings } from "../../infra/config";
import { readStackConfig } from "../plan/run";

/** Throws one line naming the stack file or the key when the file is missing or invalid. */
export function readStackFile(stack: string): PlatformSettings {
    const { values, secretKeys } = readStackConfig(stack);
    // Secret values are encrypted in the file and are not part of the settings schema.
    const plain = Object.fromEntries(Object.entries(values).filter(([key]) => !secretKeys.includes(key)));
    return parsePlatformConfig(plain, stack);
}
