// Writes the staging load test's request bodies: small synthetic grayscale PNGs shaped like a chest
// X-ray (dark background, bright rib arcs and spine, soft lung fields), deterministic so the files
// in infra/release/load-test/payloads/ are reproducible. Not real images: only something a
// detector decodes, resizes and classifies like one.
// npm run --silent load-test:payloads
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { runCommand } from "../src/cli/command";

export const payloadDir = join(__dirname, "..", "infra", "release", "load-test", "payloads");
export const payloads = [
    { name: "chest-a.png", size: 256, seed: 1 },
    { name: "chest-b.png", size: 320, seed: 2 },
    { name: "chest-c.png", size: 384, seed: 3 },
];

function chunk(type: string, data: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
}

/** An 8-bit grayscale PNG (color type 0) of `size` x `size` pixels (PNG spec, ISO/IEC 15948). */
export function chestPng(size: number, seed: number): Buffer {
    let state = seed;
    const noise = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 24;
    const rows: Buffer[] = [];
    for (let y = 0; y < size; y++) {
        const row = Buffer.alloc(size + 1); // filter byte 0 (None), then the pixels
        for (let x = 0; x < size; x++) {
            const u = x / size - 0.5;
            const v = y / size;
            const lung = Math.exp(-((Math.abs(u) - 0.22) ** 2) / 0.02 - (v - 0.5) ** 2 / 0.08);
            const ribs = Math.abs(u) > 0.05 && Math.abs(u) < 0.42 ? 0.5 + 0.5 * Math.sin((v + u * u * 1.5) * 40) : 0;
            const spine = Math.exp(-(u * u) / 0.002);
            const value = 30 + 110 * ribs * (1 - 0.6 * lung) + 150 * spine + 40 * (1 - lung) + noise();
            row[x + 1] = Math.max(0, Math.min(255, Math.round(value)));
        }
        rows.push(row);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(size, 0);
    header.writeUInt32BE(size, 4);
    header[8] = 8; // bit depth
    header[9] = 0; // grayscale
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", header),
        chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}

if (require.main === module) {
    runCommand(
        {
            invocation: "npm run --silent load-test:payloads --",
            summary: "Writes the synthetic chest X-ray PNGs the staging load test posts to /predict.",
            options: {},
            maxPositionals: 0,
            examples: ["npm run --silent load-test:payloads"],
        },
        () => {
            mkdirSync(payloadDir, { recursive: true });
            for (const p of payloads) {
                const png = chestPng(p.size, p.seed);
                writeFileSync(join(payloadDir, p.name), png);
                console.log(`${join("infra/release/load-test/payloads", p.name)}  ${p.size}x${p.size}  ${png.length} bytes`);
            }
            return 0;
        },
    );
}
