// Fault knobs: what makes the stand-in misbehave on purpose, so that alerts, canary aborts and the
// load-test gate can be shown and tested. Set at start from the environment, and changed at run
// time through the admin port, which listens on 127.0.0.1 only: inside a pod that is reachable with
// `kubectl exec` or `kubectl port-forward`, never through the Service.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface Faults {
    /** Share of /predict requests (0-1) answered 500 "inference failed", spread evenly. */
    errorRatio: number;
    /** Milliseconds added to every /predict. */
    latencyMs: number;
    /** MiB of memory held and touched, to raise memory_percent. */
    ballastMiB: number;
    /** When true, the model reads as not loaded: /health and /predict answer 503. */
    readinessOff: boolean;
}

export const noFaults: Faults = { errorRatio: 0, latencyMs: 0, ballastMiB: 0, readinessOff: false };

/** The environment variable that sets each knob at start. */
export const faultVariables: Record<keyof Faults, string> = {
    errorRatio: "FAULT_ERROR_RATIO",
    latencyMs: "FAULT_LATENCY_MS",
    ballastMiB: "FAULT_MEMORY_BALLAST_MIB",
    readinessOff: "FAULT_READINESS_OFF",
};

const limits = { latencyMs: 600_000, ballastMiB: 65_536 };

/** Checks one knob's value; returns an error naming the knob, or the value. */
function parseKnob(knob: keyof Faults, value: unknown): number | boolean | string {
    const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    switch (knob) {
        case "errorRatio":
            return typeof number === "number" && number >= 0 && number <= 1 ? number : `${knob}: expected a number from 0 to 1, got ${JSON.stringify(value)}`;
        case "latencyMs":
        case "ballastMiB":
            return typeof number === "number" && Number.isInteger(number) && number >= 0 && number <= limits[knob]
                ? number
                : `${knob}: expected an integer from 0 to ${limits[knob]}, got ${JSON.stringify(value)}`;
        case "readinessOff":
            if (value === true || value === "true" || value === "1") return true;
            if (value === false || value === "false" || value === "0" || value === "") return false;
            return `${knob}: expected true or false, got ${JSON.stringify(value)}`;
    }
}

/** Applies a partial update; throws one line naming the first bad knob (nothing is applied then). */
export function mergeFaults(current: Faults, update: Record<string, unknown>): Faults {
    const next: Record<string, unknown> = { ...current };
    for (const [k, v] of Object.entries(update)) {
        if (!(k in noFaults)) throw new Error(`unknown fault "${k}": expected one of ${Object.keys(noFaults).join(", ")}`);
        const parsed = parseKnob(k as keyof Faults, v);
        if (typeof parsed === "string") throw new Error(parsed);
        next[k] = parsed;
    }
    return next as unknown as Faults;
}

export function faultsFromEnv(env: NodeJS.ProcessEnv): Faults {
    const update: Record<string, unknown> = {};
    for (const [knob, variable] of Object.entries(faultVariables)) {
        if (env[variable] !== undefined) update[knob] = env[variable];
    }
    try {
        return mergeFaults(noFaults, update);
    } catch (e) {
        const knob = (e as Error).message.split(":")[0] as keyof Faults;
        throw new Error(`${faultVariables[knob] ?? knob}${(e as Error).message.slice(knob.length)}`);
    }
}

/** The knobs in force, and the memory the ballast holds. */
export class FaultState {
    private faults: Faults = noFaults;
    /** Held, not read: the memory the ballast knob asks for. */
    ballast: Buffer[] = [];
    private predictions = 0;

    get current(): Faults {
        return this.faults;
    }

    set(faults: Faults): void {
        // Counting restarts with a new ratio, so "the 20th request after setting 0.05 fails" holds.
        if (faults.errorRatio !== this.faults.errorRatio) this.predictions = 0;
        this.faults = faults;
        // Filled, not just allocated, so the pages are resident and count in memory_percent.
        this.ballast = Array.from({ length: faults.ballastMiB }, () => Buffer.alloc(1 << 20, 0xa5));
    }

    /**
     * Whether this /predict fails: the n-th request since the ratio was set fails when
     * floor(n * ratio) steps up, so any run of 1/ratio consecutive requests has exactly one failure
     * and a test can count on it.
     */
    nextPredictionFails(): boolean {
        this.predictions += 1;
        const ratio = this.faults.errorRatio;
        return Math.floor(this.predictions * ratio) > Math.floor((this.predictions - 1) * ratio);
    }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 64 * 1024) throw new Error("body larger than 64 KiB");
        chunks.push(chunk as Buffer);
    }
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("expected a JSON object of fault knobs");
    return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

/**
 * The admin API: `GET /faults` shows the knobs, `PUT /faults` with a JSON object of some knobs
 * changes them (`{"errorRatio":0.05}`), `DELETE /faults` clears them all.
 */
export function adminServer(state: FaultState, log: (event: string, fields: Record<string, unknown>) => void): Server {
    return createServer((req, res) => {
        if (req.url !== "/faults") return send(res, 404, { error: "not found: use /faults" });
        if (req.method === "GET") return send(res, 200, state.current);
        if (req.method === "DELETE") {
            state.set(noFaults);
            log("faults", { ...state.current });
            return send(res, 200, state.current);
        }
        if (req.method !== "PUT") return send(res, 405, { error: "method not allowed: GET, PUT or DELETE" });
        readJson(req).then(
            (update) => {
                try {
                    state.set(mergeFaults(state.current, update));
                } catch (e) {
                    return send(res, 400, { error: (e as Error).message });
                }
                log("faults", { ...state.current });
                send(res, 200, state.current);
            },
            (e: unknown) => send(res, 400, { error: (e as Error).message }),
        );
    });
}
