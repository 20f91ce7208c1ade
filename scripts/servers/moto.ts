// A moto_server (S3 API) on 127.0.0.1 and a free port for tests and benchmarks, stopped by its PID.
import { spawn } from "node:child_process";
import { S3Client } from "@aws-sdk/client-s3";
import { freePort, waitUntil } from "./postgres";

export interface MotoServer {
    endpoint: string;
    /** Environment for the AWS SDK (and the backup runner) to talk to this server. */
    env: Record<string, string>;
    client(): S3Client;
    stop(): Promise<void>;
}

export async function startMoto(): Promise<MotoServer> {
    const port = await freePort();
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    const pid = child.pid!;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const endpoint = `http://127.0.0.1:${port}`;
    await waitUntil(`moto_server on ${endpoint}`, async () => {
        try {
            return (await fetch(`${endpoint}/moto-api/`)).ok;
        } catch {
            return false;
        }
    });
    return motoAt(endpoint, async () => {
        if (child.exitCode === null) {
            process.kill(pid, "SIGTERM");
            await exited;
        }
    });
}

/** A moto_server already listening at `endpoint` (one started for the whole test run); `stop` is the caller's. */
export function motoAt(endpoint: string, stop: () => Promise<void>): MotoServer {
    // moto accepts any credentials; these only have to look like AWS ones.
    const env = {
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing-secret",
        AWS_ENDPOINT_URL_S3: endpoint,
    };
    return {
        endpoint,
        env,
        client: () =>
            new S3Client({
                region: env.AWS_REGION,
                endpoint,
                forcePathStyle: true,
                credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
            }),
        stop,
    };
}
