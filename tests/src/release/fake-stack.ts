// An in-memory stand-in for the Automation API stack: outputs, config by path, history and up.
import type { OpenStack, StackGateway, StackUpdate } from "../../../src/release/stack";

export const digest = (c: string) => `111122223333.dkr.ecr.eu-west-1.amazonaws.com/pneumonia-detector@sha256:${c.repeat(64)}`;

export interface FakeStack extends StackGateway {
    config: Map<string, string>;
    updates: StackUpdate[];
    ups: string[];
}

export function fakeStack(
    name: string,
    init: { outputs?: Record<string, unknown>; config?: Record<string, string>; updates?: StackUpdate[]; upFails?: boolean } = {},
): FakeStack {
    const config = new Map(Object.entries(init.config ?? {}));
    const updates = [...(init.updates ?? [])];
    const ups: string[] = [];
    return {
        name,
        config,
        updates,
        ups,
        outputs: async () => ({ ...init.outputs }),
        getConfig: async (key) => config.get(key),
        setConfig: async (key, value) => {
            config.set(key, value);
        },
        history: async () => updates,
        // Like the backend, each up adds an entry to the history, with its message and the config it ran with.
        up: async (message, log) => {
            ups.push(message);
            log("Updating (fake)");
            const version = Math.max(0, ...updates.map((u) => u.version)) + 1;
            updates.unshift(update(version, config.get("detector.image"), init.upFails ? "failed" : "succeeded", "update", message));
            if (init.upFails) throw new Error("update failed");
        },
    };
}

export function opener(...stacks: FakeStack[]): OpenStack {
    return async (name) => {
        const stack = stacks.find((s) => s.name === name);
        if (!stack) throw new Error(`no stack named ${name}`);
        return stack;
    };
}

/** A history entry as `pulumi stack history --json` gives it: the detector section is an object, so a JSON string. */
export function update(version: number, image: string | undefined, result = "succeeded", kind = "update", message = ""): StackUpdate {
    return {
        version,
        kind,
        result,
        message,
        startTime: new Date(Date.UTC(2026, 10, version)),
        config: {
            "pneumonia-platform:environment": { value: "production", secret: false },
            "pneumonia-platform:databasePassword": { secret: true },
            ...(image ? { "pneumonia-platform:detector": { value: JSON.stringify({ image, replicas: 3 }), secret: false } } : {}),
        },
    };
}
