// npm run bench:backup -- [size in MiB, default 256]
// Beside the tests because it runs on their harness (the throw-away PostgreSQL, the S3 stand-in).
// Generates a database of that size on a throw-away PostgreSQL 15, then measures the runner (bundled
// by esbuild and run by node with the image's NODE_OPTIONS, as the image runs it) doing db-dump (to moto_server) against plain
// `pg_dump -Fc`, and db-restore against plain `pg_restore` from a local file, each plain tool timed
// before and after the runner, with the runner's peak RSS and the load average. Prints a Markdown table.
// It also holds the bounded-memory check that was a test (too slow for one): db-dump's peak RSS stays
// under the 150 MiB with a dump large enough to tell streaming from buffering; exit 1 if not.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fillDatabase, pgBinDir, type PostgresServer } from "./servers/postgres";
import { buildSync } from "esbuild";
import { recoveryTimeObjectives } from "../infra/observability/objectives";
import { runnerNodeOptions } from "../src/backup/settings";
import { collect, repoRoot, spawnWithEnv, startServers, type CliResult } from "./servers/backup";

/**
 * The limit. Holding the dump (or even half of it, twice) in memory would cross it;
 * streaming stays near 120 to 150 MiB, flat in database size (docs/benchmarks.md, Backups).
 */
const maxRssMiB = 150;
/** A dump under this is too small to tell streaming from buffering. */
const minDumpMiB = 50;

const sizeMiB = Number(process.argv[2] ?? 256);
if (!Number.isInteger(sizeMiB) || sizeMiB < 16) {
    process.stderr.write(`error: size: expected an integer number of MiB >= 16, got "${process.argv[2]}"\n`);
    process.exit(2);
}

/** Runs a PostgreSQL client program with the password in the environment, stdout to `stdoutFd`. */
function timed(program: string, args: string[], password: string, stdoutFd: number | "ignore"): Promise<number> {
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(join(pgBinDir, program), args, {
            env: { ...process.env, PGPASSWORD: password },
            stdio: ["ignore", stdoutFd, "inherit"],
        });
        child.on("error", reject);
        child.on("close", (code) =>
            code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e9) : reject(new Error(`${program} exited with ${code}`)),
        );
    });
}

/**
 * The runner as the image runs it: src/backup/cli.ts bundled by esbuild into one CommonJS file (the
 * Dockerfile's command), run by plain node, not through tsx.
 */
function bundleRunner(dir: string): string {
    const outfile = join(dir, "backup.js");
    buildSync({
        entryPoints: [join(repoRoot, "src/backup/cli.ts")],
        bundle: true,
        platform: "node",
        target: "node24",
        outfile,
        logLevel: "error",
    });
    return outfile;
}

let runner: string;

async function timedCli(args: string[], env: Record<string, string>): Promise<{ seconds: number; result: CliResult }> {
    const started = process.hrtime.bigint();
    const result = await collect(
        spawnWithEnv(["/usr/bin/time", "-f", "MAXRSS=%M", process.execPath, runner, ...args], { ...env, NODE_OPTIONS: runnerNodeOptions }),
    );
    if (result.code !== 0) throw new Error(`backup ${args.join(" ")} failed: ${result.stderr.trim()}`);
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

function libpq(pg: PostgresServer, dbname: string): string[] {
    return ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", "-d", dbname];
}

async function main(): Promise<void> {
    const servers = await startServers("bench");
    const scratch = mkdtempSync(join(tmpdir(), "bench-backup-"));
    try {
        runner = bundleRunner(scratch);
        process.stderr.write(`generating a ${sizeMiB} MiB database...\n`);
        const bytes = await fillDatabase(servers.pg, "bench", sizeMiB * 1024 * 1024);
        const mib = bytes / 1048576;
        const { pg, env } = servers;

        // Each plain tool runs before and after the runner, and the runner is compared with their mean:
        // on a shared machine the load moves during a run, and whichever goes first would otherwise pay for it.
        const loadAtStart = loadavg()[0];
        process.stderr.write("pg_dump -Fc > /dev/null...\n");
        const devNull = openSync("/dev/null", "w");
        const plainDumpBefore = await timed("pg_dump", ["-Fc", ...libpq(pg, "bench")], pg.password, devNull).finally(() =>
            closeSync(devNull),
        );

        process.stderr.write("backup db-dump...\n");
        const dump = await timedCli(["db-dump"], env);

        process.stderr.write("pg_dump -Fc to a local file...\n");
        const file = join(scratch, "bench.dump");
        const fd = openSync(file, "w");
        const plainDumpAfter = await timed("pg_dump", ["-Fc", ...libpq(pg, "bench")], pg.password, fd).finally(() => closeSync(fd));

        const plainRestoreInto = async (dbname: string) => {
            await pg.createDatabase(dbname);
            return timed(
                "pg_restore",
                ["--single-transaction", "--no-owner", "--no-privileges", ...libpq(pg, dbname), file],
                pg.password,
                "ignore",
            );
        };
        process.stderr.write("pg_restore from the local file...\n");
        const plainRestoreBefore = await plainRestoreInto("plain_restore_before");

        process.stderr.write("backup db-restore...\n");
        await pg.createDatabase("runner_restore");
        const restore = await timedCli(["db-restore", "--from", "latest", "--target-url", pg.url("runner_restore")], env);

        process.stderr.write("pg_restore from the local file again...\n");
        const plainRestoreAfter = await plainRestoreInto("plain_restore_after");
        const loadAtEnd = loadavg()[0];

        const plainDump = (plainDumpBefore + plainDumpAfter) / 2;
        const plainRestore = (plainRestoreBefore + plainRestoreAfter) / 2;
        const rate = (seconds: number) => mib / seconds;
        const rss = (r: CliResult) => (r.maxRssKiB! / 1024).toFixed(0);
        const projected10GiB = (10 * 1024) / rate(restore.seconds);
        const rows = [
            ["db-dump (runner, to S3 API)", dump.seconds, rate(dump.seconds) / rate(plainDump), rss(dump.result)],
            [`pg_dump -Fc (before ${plainDumpBefore.toFixed(1)} s, after ${plainDumpAfter.toFixed(1)} s: mean)`, plainDump, 1, "-"],
            ["db-restore (runner, from S3 API)", restore.seconds, rate(restore.seconds) / rate(plainRestore), rss(restore.result)],
            [
                `pg_restore from a local file (before ${plainRestoreBefore.toFixed(1)} s, after ${plainRestoreAfter.toFixed(1)} s: mean)`,
                plainRestore,
                1,
                "-",
            ],
        ] as const;
        const lines = [
            `Database: ${mib.toFixed(0)} MiB (pg_database_size), dump ${(Number(/\((\d+) bytes/.exec(dump.result.stdout)?.[1] ?? 0) / 1048576).toFixed(0)} MiB. ` +
                `Load average (1 min) ${loadAtStart.toFixed(1)} at the start, ${loadAtEnd.toFixed(1)} at the end, on ${availableParallelism()} cores.`,
            "",
            "| Operation | Time (s) | Throughput (MiB of database/s) | vs plain tool | Runner peak RSS (MiB) |",
            "|---|---|---|---|---|",
            ...rows.map(
                ([name, seconds, ratio, peak]) =>
                    `| ${name} | ${Number(seconds).toFixed(1)} | ${rate(Number(seconds)).toFixed(1)} | ${ratio.toFixed(2)} | ${peak} |`,
            ),
            "",
            `Projected db-restore of a 10 GiB database at this rate: ${(projected10GiB / 60).toFixed(0)} min (data RTO: ${recoveryTimeObjectives.dataRecovery / 60} min).`,
        ];
        const dumpMiB = Number(/\((\d+) bytes/.exec(dump.result.stdout)?.[1] ?? 0) / 1048576;
        const peakMiB = dump.result.maxRssKiB! / 1024;
        const bounded = peakMiB < maxRssMiB;
        const verdict =
            dumpMiB <= minDumpMiB
                ? `not checked: the dump is under ${minDumpMiB} MiB, too small to tell streaming from buffering`
                : bounded
                  ? "met"
                  : "EXCEEDED";
        lines.push(
            "",
            `Bounded memory (limit ${maxRssMiB} MiB): db-dump peak RSS ${peakMiB.toFixed(1)} MiB for a ${dumpMiB.toFixed(0)} MiB dump: ${verdict}.`,
        );
        process.stdout.write(`${lines.join("\n")}\n`);
        if (!bounded) process.exitCode = 1;
    } finally {
        rmSync(scratch, { recursive: true, force: true });
        await servers.stop();
    }
}

main().catch((error: unknown) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(1);
});
