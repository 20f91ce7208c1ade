// The detector stand-in (images/detector-standin) as a test process: Node runs its TypeScript
// directly, bound to 127.0.0.1 on free ports, stopped by its PID.
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { repoRoot } from "./cli";
import { freePort, waitUntil } from "../../scripts/servers/postgres";

export const standInMain = path.join(repoRoot, "images/detector-standin/src/main.ts");

export interface StandIn {
    pid: number;
    url: string;
    metricsUrl: string;
    adminUrl: string;
    ports: { api: number; metrics: number; admin: number };
    /** Everything it wrote to stdout and stderr so far. */
    output(): string;
    /** Resolves with the exit code once the process has exited. */
    exited: Promise<number | null>;
    setFaults(update: Record<string, unknown>): Promise<Record<string, unknown>>;
    /** SIGTERM, then waits for the exit (SIGKILL after 35 s). */
    stop(): Promise<number | null>;
}

export interface StandInOptions {
    env?: Record<string, string>;
    /** Wait until /health answers 200 (default) or only until the port listens. */
    waitFor?: "ready" | "listening";
    /** Keep these ports (a restart behind the same Prometheus target). */
    ports?: { api: number; metrics: number; admin: number };
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
    const ports = options.ports ?? { api: await freePort(), metrics: await freePort(), admin: await freePort() };
    const child: ChildProcess = spawn(process.execPath, [standInMain], {
        env: {
            PATH: process.env.PATH,
            HOST: "127.0.0.1",
            PORT: String(ports.api),
            METRICS_PORT: String(ports.metrics),
            ADMIN_PORT: String(ports.admin),
            MODEL_LOAD_SECONDS: "0.3",
            ...options.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let gone = false;
    void exited.then(() => (gone = true));
    const url = `http://127.0.0.1:${ports.api}`;
    const adminUrl = `http://127.0.0.1:${ports.admin}`;
    const stop = async () => {
        if (!gone) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
    };
    try {
        await waitUntil(`the stand-in on ${url}`, async () => {
            if (gone) throw new Error(`the stand-in exited: ${output.trim()}`);
            const res = await fetch(`${url}/health`).catch(() => undefined);
            return res !== undefined && (options.waitFor === "listening" || res.status === 200);
        });
    } catch (e) {
        await stop();
        throw e;
    }
    return {
        pid: child.pid!,
        url,
        metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
        adminUrl,
        ports,
        output: () => output,
        exited,
        async setFaults(update) {
            const res = await fetch(`${adminUrl}/faults`, { method: "PUT", body: JSON.stringify(update) });
            const body = (await res.json()) as Record<string, unknown>;
            if (res.status !== 200) throw new Error(`PUT /faults → ${res.status} ${JSON.stringify(body)}`);
            return body;
        },
        stop,
    };
}
