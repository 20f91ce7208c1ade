// Every failure of the runner ends as one line naming what failed, with credentials masked.
import { maskCredentials } from "../cli/http";

/** A failure with a message fit for the one-line report (already names the object or server). */
export class BackupError extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
        super(maskSecrets(message), options);
        this.name = "BackupError";
    }
}

/** A missing or malformed setting (environment variable): exit 2, after the failure is pushed. */
export class SettingsError extends BackupError {
    constructor(message: string) {
        super(message);
        this.name = "SettingsError";
    }
}

/** Replaces the password of every `scheme://user:password@host` URL in `text` with `***`. */
export const maskSecrets = maskCredentials;

/** A short, single-line description of any thrown value (AWS errors keep their code). */
export function describeError(error: unknown): string {
    if (error instanceof BackupError) return error.message;
    if (error instanceof Error) {
        const code = (error as { Code?: string }).Code ?? (error as { code?: string }).code;
        const name = code && code !== error.name ? code : error.name !== "Error" ? error.name : "";
        const message = error.message || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode?.toString() || "";
        return maskSecrets(`${name ? `${name}: ` : ""}${message}`.replace(/\s+/g, " ").trim());
    }
    return maskSecrets(String(error).replace(/\s+/g, " "));
}

/** Runs `step`, turning any failure into a BackupError that says which step it was. */
export async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (error) {
        if (error instanceof BackupError) throw error;
        throw new BackupError(`${what}: ${describeError(error)}`, { cause: error });
    }
}
