// `kubectl port-forward` to a Service named by its in-cluster URL (a stack output such as
// http://detector.pneumonia.svc.cluster.local:8000), so the health check runs from a laptop or CI
// runner with nothing but the kubeconfig. Each forward is a child process, stopped by its PID.
import { spawn } from "node:child_process";

export interface Forward {
    /** The same URL with 127.0.0.1 and the local port in place of the Service's host and port. */
    url: string;
    stop(): Promise<void>;
}

export interface ClusterAccess {
    /** The kubectl command and any leading arguments (tests substitute a fake). */
    kubectl: string[];
    context?: string;
    kubeconfig?: string;
}

const serviceUrl = /^(https?):\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)(\/.*)?$/;

/** Splits an in-cluster Service URL; throws naming the URL when it is not one. */
export function parseServiceUrl(url: string): { scheme: string; service: string; namespace: string; port: number; path: string } {
    const m = serviceUrl.exec(url);
    if (!m) throw new Error(`"${url}" is not an in-cluster Service URL (http://<service>.<namespace>.svc[.cluster.local]:<port>)`);
    return { scheme: m[1], service: m[2], namespace: m[3], port: Number(m[4]), path: m[5] ?? "" };
}

export function portForward(access: ClusterAccess, url: string, timeoutMs = 15000): Promise<Forward> {
    const target = parseServiceUrl(url);
    const [command, ...leading] = access.kubectl;
    const args = [
        ...leading,
        ...(access.kubeconfig ? ["--kubeconfig", access.kubeconfig] : []),
        ...(access.context ? ["--context", access.context] : []),
        "--namespace",
        target.namespace,
        "port-forward",
        "--address",
        "127.0.0.1",
        `service/${target.service}`,
        `:${target.port}`,
    ];
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            await exited;
        }
    };
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        const fail = (reason: string) => {
            clearTimeout(timer);
            void stop().then(() => reject(new Error(`port-forward to ${target.namespace}/${target.service}:${target.port}: ${reason}`)));
        };
        const timer = setTimeout(() => fail(`no forwarding port after ${timeoutMs / 1000} s`), timeoutMs);
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on("data", (chunk: Buffer) => {
            stdout += chunk.toString();
            // kubectl prints "Forwarding from 127.0.0.1:<local> -> <remote>" once it listens.
            const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(stdout);
            if (m) {
                clearTimeout(timer);
                resolve({ url: `${target.scheme}://127.0.0.1:${m[1]}${target.path}`, stop });
            }
        });
        child.once("error", (e) => fail(e.message));
        child.once("exit", (code) => fail(stderr.split("\n").find((l) => l.trim() !== "") ?? `kubectl exited with ${code}`));
    });
}
