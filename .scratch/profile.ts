// Ad-hoc: where db-restore's time goes (not committed).
import { spawn, execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, openSync, closeSync, writeFileSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { buildSync } from "esbuild";
import { fillDatabase, pgBinDir } from "../tests/helpers/postgres";
import { collect, repoRoot, spawnWithEnv, startServers, readText } from "../tests/src/backup/harness";
import { runnerNodeOptions } from "../src/backup/settings";

const t0 = () => process.hrtime.bigint();
const secs = (s: bigint) => Number(process.hrtime.bigint() - s) / 1e9;
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<void> {
    return new Promise((res, rej) => {
        const c = spawn(cmd, args, { env, stdio: [stdin ? "pipe" : "ignore", "ignore", "inherit"] });
        if (stdin) createReadStream(stdin, { highWaterMark: 1 << 20 }).pipe(c.stdin!);
        c.on("close", (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${code}`))));
    });
}
async function main() {
    const size = Number(process.argv[2] ?? 256);
    const s = await startServers("bench");
    const dir = mkdtempSync(join(tmpdir(), "prof-"));
    const runner = join(dir, "backup.js");
    buildSync({ entryPoints: [join(repoRoot, "src/backup/cli.ts")], bundle: true, platform: "node", target: "node24", outfile: runner, logLevel: "error" });
    try {
        await fillDatabase(s.pg, "bench", size * 1048576);
        const d = await collect(spawnWithEnv([process.execPath, runner, "db-dump"], { ...s.env, NODE_OPTIONS: runnerNodeOptions }));
        if (d.code !== 0) throw new Error(d.stderr);
        const latest = JSON.parse(await readText(s.s3, s.bucket, "test/db/latest.json"));
        const m = JSON.parse(await readText(s.s3, s.bucket, latest.manifest));
        const file = join(dir, "x.dump");
        const fd = openSync(file, "w");
        const body = (await s.s3.send(new GetObjectCommand({ Bucket: s.bucket, Key: m.key }))).Body as NodeJS.ReadableStream;
        let st = t0();
        await new Promise<void>((res) => { body.on("data", (c: Buffer) => require("node:fs").writeSync(fd, c)); body.on("end", res); });
        closeSync(fd);
        const get = secs(st);
        const env = { ...process.env, PGPASSWORD: s.pg.password };
        const lib = (db: string) => ["-h", "127.0.0.1", "-p", String(s.pg.port), "-U", "postgres", "-d", db];
        const rs = ["--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges"];
        const out: string[] = [`load ${loadavg()[0].toFixed(1)}`, `GetObject from moto to a file: ${get.toFixed(1)} s`];
        for (let i = 0; i < 2; i++) {
            await s.pg.createDatabase(`f${i}`); st = t0(); await run(join(pgBinDir, "pg_restore"), [...rs, ...lib(`f${i}`), file], env); out.push(`pg_restore from file: ${secs(st).toFixed(1)} s`);
            await s.pg.createDatabase(`p${i}`); st = t0(); await run(join(pgBinDir, "pg_restore"), [...rs, ...lib(`p${i}`)], env, file); out.push(`pg_restore from stdin (file piped): ${secs(st).toFixed(1)} s`);
            await s.pg.createDatabase(`r${i}`); st = t0();
            const r = await collect(spawnWithEnv([process.execPath, `--cpu-prof`, `--cpu-prof-dir=${dir}`, runner, "db-restore", "--from", "latest", "--target-url", s.pg.url(`r${i}`)], { ...s.env, NODE_OPTIONS: runnerNodeOptions }));
            if (r.code !== 0) throw new Error(r.stderr);
            out.push(`runner db-restore: ${secs(st).toFixed(1)} s`);
        }
        // top self-time functions of the last profile
        const prof = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort().pop()!;
        const p = JSON.parse(readFileSync(join(dir, prof), "utf8"));
        const self = new Map<string, number>();
        const dt = (p.endTime - p.startTime) / p.samples.length;
        const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
        for (const id of p.samples) { const n: any = byId.get(id); const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}`; self.set(k, (self.get(k) ?? 0) + dt); }
        const total = (p.endTime - p.startTime) / 1e6;
        out.push(`runner CPU profile: ${total.toFixed(1)} s wall, top self time:`);
        for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) out.push(`  ${(v / 1e6).toFixed(2)} s  ${k}`);
        out.push(`load ${loadavg()[0].toFixed(1)}`);
        console.log(out.join("\n"));
    } finally {
        execFileSync("rm", ["-rf", dir]);
        await s.stop();
    }
}
main().catch((e) => { console.error(e); process.exit(1); });
