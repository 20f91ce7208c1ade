// Stream pieces shared by every command: hashing on the way, checking on the way back, and the
// output of a child program that only ends cleanly if the program succeeded.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { PassThrough, Transform, type Readable, type TransformCallback } from "node:stream";
import { BackupError, maskSecrets } from "./errors";
import { stopSignal } from "./stop";

/** Passes bytes through, counting them and computing their SHA-256. */
export class Digest extends Transform {
    private readonly hash = createHash("sha256");
    bytes = 0;
    private hex?: string;

    _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        callback(null, chunk);
    }

    sha256(): string {
        this.hex ??= this.hash.digest("hex");
        return this.hex;
    }
}

/**
 * Passes bytes through but holds back the last chunk until the whole stream's size and SHA-256
 * match: a consumer (pg_restore in one transaction) never sees the end of a corrupted backup.
 */
export class VerifiedStream extends Transform {
    private readonly hash = createHash("sha256");
    private bytes = 0;
    private held?: Buffer;

    /**
     * `bufferBytes`: how far the download may run ahead of the consumer. db-restore gives pg_restore
     * a deep buffer so it never waits on the next chunk from S3 (docs/benchmarks.md, where the time goes).
     */
    constructor(
        private readonly expected: { sha256: string; size: number },
        private readonly what: string,
        bufferBytes?: number,
    ) {
        super(bufferBytes ? { readableHighWaterMark: bufferBytes } : {});
    }

    _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        const previous = this.held;
        this.held = chunk;
        callback(null, previous);
    }

    _flush(callback: TransformCallback): void {
        const sha256 = this.hash.digest("hex");
        if (sha256 !== this.expected.sha256 || this.bytes !== this.expected.size) {
            callback(checksumError(this.what, this.expected, { sha256, size: this.bytes }));
            return;
        }
        callback(null, this.held);
    }
}

export function checksumError(
    what: string,
    expected: { sha256: string; size: number },
    got: { sha256: string; size: number },
): BackupError {
    return new BackupError(
        `checksum mismatch for ${what}: manifest says sha256 ${expected.sha256} (${expected.size} bytes), object has ${got.sha256} (${got.size} bytes)`,
    );
}

/** Reads `stream` to the end and returns its size and SHA-256. */
export async function digestOf(stream: Readable): Promise<{ sha256: string; size: number }> {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest("hex"), size };
}

export interface Program {
    child: ChildProcess;
    /** Resolves when the program exits 0; rejects with its last stderr line otherwise. */
    finished: Promise<void>;
}

/** Runs a program with stderr captured (last 4 KiB, secrets masked) for the error message. */
export function run(what: string, command: string, args: string[], options: SpawnOptions = {}): Program {
    const child = spawn(command, args, { ...options, stdio: [options.stdio === "ignore" ? "ignore" : "pipe", "pipe", "pipe"] });
    // A stop ends the program too (pg_dump and pg_restore exit on SIGTERM); its failure then fails the run.
    const stop = () => child.kill("SIGTERM");
    if (stopSignal.aborted) stop();
    else stopSignal.addEventListener("abort", stop, { once: true });
    child.once("close", () => stopSignal.removeEventListener("abort", stop));
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString("utf8")).slice(-4096);
    });
    const finished = new Promise<void>((resolve, reject) => {
        child.once("error", (error) => reject(new BackupError(`${what}: cannot run ${command}: ${error.message}`)));
        child.once("close", (code, signal) => {
            if (code === 0) return resolve();
            // pg_restore follows its error with the failing SQL; the error line is the useful one.
            const lines = stderr.trim().split("\n").filter(Boolean);
            const last = [...lines].reverse().find((l) => /\b(error|fatal):/i.test(l)) ?? lines.pop() ?? "";
            const status = signal ? `killed by ${signal}` : `exited with code ${code}`;
            reject(new BackupError(`${what} ${status}${last ? `: ${maskSecrets(last.trim())}` : ""}`));
        });
    });
    finished.catch(() => undefined);
    return { child, finished };
}

/**
 * The program's stdout as a stream that ends only if the program exits 0 and errors otherwise,
 * so a dump cut short can never be taken for a whole one.
 */
export function outputOf(program: Program): Readable {
    const out = new PassThrough();
    const stdout = program.child.stdout!;
    stdout.pipe(out, { end: false });
    const drained = new Promise<void>((resolve) => stdout.once("end", resolve));
    Promise.all([drained, program.finished]).then(
        () => out.end(),
        (error: Error) => out.destroy(error),
    );
    return out;
}
