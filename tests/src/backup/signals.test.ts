// SIGTERM in the middle of a dump, with the runner as PID 1 of its own PID namespace, as it is in
// its container. What the other side does, from its documents:
// - Kubernetes, pod termination (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
//   at a Job's activeDeadlineSeconds or a pod deletion the kubelet sends SIGTERM to PID 1 of each
//   container, then SIGKILL when terminationGracePeriodSeconds (default 30 s) is over.
// - pid_namespaces(7), "The namespace init process": "Only signals for which the 'init' process
//   has established a signal handler can be sent to the 'init' process by other members of the PID
//   namespace", and the same holds for signals from an ancestor namespace except SIGKILL and
//   SIGSTOP. Node installs no SIGTERM handler of its own, so without ours SIGTERM is ignored.
// - S3 AbortMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html):
//   an upload that is never completed or aborted keeps its parts (and their storage) until aborted;
//   ListMultipartUploads lists it until then.
import { ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { waitUntil } from "../../../scripts/servers/postgres";
import { cliCommand, collect, mlflowFixture, readText, runCli, spawnWithEnv, startServers, type Servers } from "./harness";

/** Host PID of the only child of `pid` (unshare --fork's child: the runner, PID 1 inside). */
function onlyChild(pid: number): number | undefined {
    try {
        const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
        return children.length === 1 ? Number(children[0]) : undefined;
    } catch {
        return undefined;
    }
}

/** The PIDs of a process in each PID namespace it is in, outermost first (NSpid in /proc/PID/status). */
function namespacePids(pid: number): number[] {
    const line = /^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "";
    return line.split(/\s+/).map(Number);
}

describe("backup runner: SIGTERM mid-dump as PID 1 (unshare --pid, PostgreSQL 15 + moto_server)", function () {
    this.timeout(300_000);
    let servers: Servers;
    let gateway: Server;
    let gatewayUrl: string;
    const pushes: string[] = [];
    const pointerKey = "test/db/latest.json";

    before(async () => {
        servers = await startServers();
        await servers.pg.query("mlflow", mlflowFixture);
        // A first dump, so there is a pointer that must stay where it is.
        const first = await runCli(["db-dump"], servers.env);
        assert.equal(first.code, 0, first.stderr);
        // ~120 MiB that does not compress: pg_dump is still writing long after the first parts are up.
        await servers.pg.query(
            "mlflow",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE blobs (id int PRIMARY KEY, payload bytea NOT NULL)",
        );
        for (let from = 1; from <= 120_000; from += 30_000) {
            await servers.pg.query(
                "mlflow",
                `INSERT INTO blobs SELECT g, gen_random_bytes(1024) FROM generate_series(${from}, ${from + 29_999}) g`,
            );
        }
        gateway = createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                pushes.push(`${req.method} ${req.url}\n${body}`);
                res.writeHead(200).end();
            });
        });
        await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", r));
        gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    });
    after(async () => {
        await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
        await servers?.stop();
    });

    it("stops pg_dump, aborts the multipart upload, pushes the failure, exits 1 within seconds; latest.json stays", async () => {
        const pointerBefore = await readText(servers.s3, servers.bucket, pointerKey);
        const unshare = spawnWithEnv(["unshare", "--pid", "--fork", "--mount-proc", ...cliCommand(["db-dump"])], {
            ...servers.env,
            PUSHGATEWAY_URL: gatewayUrl,
        });
        const exited = collect(unshare);
        const uploads = async () => (await servers.s3.send(new ListMultipartUploadsCommand({ Bucket: servers.bucket }))).Uploads ?? [];

        // Mid-dump: the multipart upload exists (the first part is on its way) and pg_dump is running.
        await waitUntil("the runner's multipart upload", async () => (await uploads()).length === 1, 120_000);
        const runner = onlyChild(unshare.pid!);
        assert.ok(runner, "unshare --fork has one child");
        assert.equal(namespacePids(runner).at(-1), 1, "the runner is PID 1 of its PID namespace");
        const dumping = await servers.pg.query<{ n: string }>(
            "mlflow",
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pg_dump' AND datname = current_database()",
        );
        assert.equal(Number(dumping[0].n), 1, "pg_dump is still dumping");

        const signalledAt = Date.now();
        process.kill(runner, "SIGTERM");
        const result = await exited;
        const seconds = (Date.now() - signalledAt) / 1000;

        assert.equal(result.code, 1, result.stderr);
        assert.ok(seconds < 10, `exited ${seconds} s after SIGTERM`);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /^error: db-dump: interrupted by SIGTERM\n$/);
        assert.deepEqual(await uploads(), [], "no multipart upload is left");
        assert.equal(await readText(servers.s3, servers.bucket, pointerKey), pointerBefore);
        const pointer = JSON.parse(pointerBefore) as { id: string };
        const keys =
            (await servers.s3.send(new ListObjectsV2Command({ Bucket: servers.bucket, Prefix: "test/db/" }))).Contents?.map((o) => o.Key) ??
            [];
        assert.deepEqual(keys.sort(), [pointerKey, `test/db/${pointer.id}/manifest.json`, `test/db/${pointer.id}/mlflow.dump`].sort());
        assert.equal(pushes.length, 1);
        assert.match(pushes[0], /^POST \/metrics\/job\/pneumonia-backup\/kind\/db\n/);
        assert.match(pushes[0], /^pneumonia_backup_last_failure_timestamp_seconds \d+\.\d+$/m);
        await waitUntil(
            "pg_dump to be gone",
            async () =>
                Number(
                    (
                        await servers.pg.query<{ n: string }>(
                            "mlflow",
                            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'pg_dump' AND datname = current_database()",
                        )
                    )[0].n,
                ) === 0,
            10_000,
        );
    });

    it("without the runner's handler, PID 1 ignores SIGTERM (the test can fail)", async () => {
        // The same namespace set-up with a Node PID 1 that has no handler: SIGTERM does nothing, SIGKILL ends it.
        const idle = spawnWithEnv(
            ["unshare", "--pid", "--fork", "--mount-proc", process.execPath, "-e", "setInterval(() => {}, 1000)"],
            {},
        );
        const exited = collect(idle);
        let pid: number | undefined;
        await waitUntil(
            "the idle PID 1",
            async () => (pid = onlyChild(idle.pid!)) !== undefined && namespacePids(pid).at(-1) === 1,
            10_000,
        );
        process.kill(pid!, "SIGTERM");
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(idle.exitCode, null, "still running 1.5 s after SIGTERM");
        process.kill(pid!, "SIGKILL");
        await exited;
    });
});
