// Debian's Prometheus and Alertmanager, and a webhook that records notifications, on 127.0.0.1 free
// ports, in temporary directories, stopped by PID.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { freePort, waitUntil } from "../../scripts/servers/postgres";

export interface Daemon {
    url: string;
    pid: number;
    output(): string;
    stop(): Promise<void>;
}

async function daemon(
    name: string,
    command: string,
    args: (port: number, dir: string) => string[],
    ready: string,
    dir: string,
): Promise<Daemon> {
    const port = await freePort();
    const child: ChildProcess = spawn(command, args(port, dir), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
        if (!exited) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exit;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
    };
    try {
        await waitUntil(`${name} on ${url}`, async () => {
            if (exited) throw new Error(`${name} exited: ${output.trim().split("\n").slice(-3).join(" | ")}`);
            const res = await fetch(`${url}${ready}`).catch(() => undefined);
            return res?.status === 200;
        });
    } catch (e) {
        await stop();
        throw e;
    }
    return { url, pid: child.pid!, output: () => output, stop };
}

export async function startPrometheus(config: Record<string, unknown>, rules: string): Promise<Daemon> {
    const dir = mkdtempSync(path.join(tmpdir(), "e2e-prometheus-"));
    writeFileSync(path.join(dir, "rules.yaml"), rules);
    writeFileSync(
        path.join(dir, "prometheus.yaml"),
        stringify({ ...config, rule_files: [path.join(dir, "rules.yaml")] }, { lineWidth: 0 }),
    );
    // promtool refuses what Prometheus would refuse, with a readable message, before anything starts.
    execFileSync("promtool", ["check", "config", path.join(dir, "prometheus.yaml")], { stdio: "pipe" });
    return daemon(
        "prometheus",
        "prometheus",
        (port, d) => [
            `--config.file=${path.join(d, "prometheus.yaml")}`,
            `--storage.tsdb.path=${path.join(d, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--log.level=warn",
        ],
        "/-/ready",
        dir,
    );
}

export async function startAlertmanager(config: Record<string, unknown>): Promise<Daemon> {
    const dir = mkdtempSync(path.join(tmpdir(), "e2e-alertmanager-"));
    const file = path.join(dir, "alertmanager.yaml");
    writeFileSync(file, stringify(config, { lineWidth: 0 }));
    execFileSync("amtool", ["check-config", file], { stdio: "pipe" });
    return daemon(
        "alertmanager",
        "prometheus-alertmanager",
        (port, d) => [
            `--config.file=${file}`,
            `--storage.path=${path.join(d, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            // A single instance: no gossip listener on 0.0.0.0:9094.
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        "/-/ready",
        dir,
    );
}

/** The receiver amtool says the rendered routing tree picks for these labels. */
export function routedReceiver(config: Record<string, unknown>, labels: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "e2e-amtool-"));
    try {
        const file = path.join(dir, "alertmanager.yaml");
        writeFileSync(file, stringify(config, { lineWidth: 0 }));
        const pairs = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
        return execFileSync("amtool", ["config", "routes", "test", `--config.file=${file}`, ...pairs], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        }).trim();
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

export interface Notification {
    receiver: string;
    integration: "pagerduty" | "slack" | "webhook";
    body: Record<string, any>;
    /** ms since the epoch */
    at: number;
}

export interface Webhook {
    url: string;
    notifications: Notification[];
    stop(): Promise<void>;
}

/** Records every POST to /<receiver>/<integration>; answers as PagerDuty's Events API v2 and Slack do (2xx). */
export async function startWebhook(): Promise<Webhook> {
    const notifications: Notification[] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const [, receiver, integration] = (req.url ?? "").split("/");
            let body: Record<string, any>;
            try {
                body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch {
                body = { unparsed: Buffer.concat(chunks).toString("utf8") };
            }
            notifications.push({ receiver: receiver!, integration: integration as Notification["integration"], body, at: Date.now() });
            if (integration === "pagerduty")
                res.writeHead(202, { "content-type": "application/json" }).end('{"status":"success","message":"Event processed"}');
            else res.writeHead(200).end("ok");
        });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${port}`, notifications, stop: () => new Promise((r) => server.close(() => r())) };
}

/** A healthy target standing in for a service outside the path under test (MLflow, the postgres exporter, the Pushgateway). */
export async function startStaticTarget(exposition: () => string): Promise<{ address: string; stop(): Promise<void> }> {
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition()));
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return { address: `127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(() => r())) };
}
