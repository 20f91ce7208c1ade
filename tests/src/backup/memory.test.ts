// db-dump of a 200 MB database keeps the runner's memory bounded: no temp file, no whole-dump buffer.
// (Throughput is for `npm run bench:backup`, not for a test.)
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fillDatabase } from "../../helpers/postgres";
import { readText, runCli, startServers, type Servers } from "./harness";

const sizeBytes = 200 * 1024 * 1024;
/**
 * The limit at 1 GB. The runner idles at about 70 MiB under tsx; holding the ~75 MiB dump
 * (or even half of it, twice) in memory would cross the limit, streaming stays near 120 MiB.
 */
const maxRssMiB = 150;

describe("backup runner: bounded memory (200 MB database)", function () {
    this.timeout(600_000);
    let servers: Servers;

    before(async function () {
        if (!existsSync("/usr/bin/time")) throw new Error("/usr/bin/time (GNU time) is needed to measure peak RSS");
        servers = await startServers("large");
        const size = await fillDatabase(servers.pg, "large", sizeBytes);
        assert.ok(size >= sizeBytes, `generated ${size} bytes`);
    });
    after(async () => servers?.stop());

    it(`dumps with a peak RSS under ${maxRssMiB} MiB`, async () => {
        const result = await runCli(["db-dump"], servers.env, { measure: true });
        assert.equal(result.code, 0, result.stderr);
        const latest = JSON.parse(await readText(servers.s3, servers.bucket, "test/db/latest.json")) as { manifest: string };
        const manifest = JSON.parse(await readText(servers.s3, servers.bucket, latest.manifest)) as { size: number };
        const peakMiB = result.maxRssKiB! / 1024;
        process.stdout.write(`      peak RSS ${peakMiB.toFixed(1)} MiB for a ${(manifest.size / 1048576).toFixed(0)} MiB dump\n`);
        assert.ok(manifest.size > 50 * 1024 * 1024, `the dump is only ${manifest.size} bytes: too small to tell streaming from buffering`);
        assert.ok(peakMiB < maxRssMiB, `peak RSS ${peakMiB.toFixed(1)} MiB`);
    });
});
