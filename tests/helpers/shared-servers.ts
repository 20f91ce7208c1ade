// Mocha global fixture (package.json's test script loads it with --require): one PostgreSQL 15 and
// one moto_server for the whole run instead of one pair per test file. Mocha runs global fixtures
// once, in its main process, before it forks any --parallel worker, so the workers inherit the
// variable; each file then works in databases and a bucket of its own (scripts/servers/backup.ts).
// Both servers are stopped by PID when the run ends. A file run on its own starts its own servers.
//
// Coverage of the --parallel workers: c8 reads what V8 writes to NODE_V8_COVERAGE when a process
// exits. Mocha ends its workers through workerpool, which asks each to exit and sends SIGTERM one
// second later (workerpool's workerTerminateTimeout, src/WorkerHandler.js); a worker that has loaded
// the whole program needs longer than that to write its coverage, and SIGTERM would cut it off. So a
// worker under coverage ignores SIGTERM: it is already exiting, and it still exits when mocha's
// process goes away (workerpool's worker exits on disconnect).
import { join } from "node:path";
import { startMoto, type MotoServer } from "../../scripts/servers/moto";
import { startPostgres, type PostgresServer } from "../../scripts/servers/postgres";
import { sharedServersVariable, type SharedServers } from "../../scripts/servers/backup";

if (process.env.NODE_V8_COVERAGE && require.main?.filename.endsWith(join("mocha", "lib", "nodejs", "worker.js"))) {
    process.on("SIGTERM", () => undefined);
}

let servers: { pg: PostgresServer; moto: MotoServer } | undefined;

export async function mochaGlobalSetup(): Promise<void> {
    const started = await Promise.allSettled([startPostgres(), startMoto()]);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) {
        await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
        throw failed.reason;
    }
    const [pg, moto] = started.map((s) => (s as PromiseFulfilledResult<PostgresServer | MotoServer>).value) as [PostgresServer, MotoServer];
    servers = { pg, moto };
    const shared: SharedServers = { postgres: { port: pg.port, password: pg.password }, s3: moto.endpoint };
    process.env[sharedServersVariable] = JSON.stringify(shared);
}

export async function mochaGlobalTeardown(): Promise<void> {
    delete process.env[sharedServersVariable];
    await Promise.all([servers?.pg.stop(), servers?.moto.stop()]);
}
