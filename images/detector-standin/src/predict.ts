// What /predict accepts and answers, as the detector contract states it (docs/detector-contract.md):
// multipart/form-data with one file field `file` holding a PNG, JPEG or DICOM image of at most
// 20 MiB. The prediction is a pseudo-prediction: a hash of the image's bytes, the same for the
// same image, with nothing learnt behind it.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const maxImageBytes = 20 * 1024 * 1024;
/** Room for the multipart headers and boundaries around a file of the maximum size. */
const maxBodyBytes = maxImageBytes + 64 * 1024;

export const acceptedTypes = ["image/png", "image/jpeg", "application/dicom"] as const;
type AcceptedType = (typeof acceptedTypes)[number];

/** File signatures: PNG (RFC 2083), JPEG SOI marker (ITU T.81), DICOM Part 10 "DICM" after a 128-byte preamble (PS3.10 7.1). */
function looksLike(type: AcceptedType, bytes: Uint8Array): boolean {
    const starts = (sig: number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
    switch (type) {
        case "image/png":
            return starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        case "image/jpeg":
            return starts([0xff, 0xd8, 0xff]);
        case "application/dicom":
            return starts([0x44, 0x49, 0x43, 0x4d], 128);
    }
}

/** An answer the contract defines: status and JSON body. */
export interface Answer {
    status: number;
    body: Record<string, unknown>;
}

const fail = (status: number, error: string): Answer => ({ status, body: { error } });

/** Reads the body up to the limit; past it, keeps draining (so the client reads the answer) and reports the overflow. */
async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size <= maxBodyBytes) chunks.push(chunk as Buffer);
    }
    return size > maxBodyBytes ? "too-large" : Buffer.concat(chunks);
}

/** Validates a /predict request; returns the image's bytes, or the contract's error answer. */
export async function readImage(req: IncomingMessage): Promise<Uint8Array | Answer> {
    const contentType = req.headers["content-type"] ?? "";
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
        await readBody(req);
        return fail(415, `unsupported content type "${contentType.split(";")[0]}": send multipart/form-data with a file field "file"`);
    }
    if (Number(req.headers["content-length"] ?? 0) > maxBodyBytes) {
        await readBody(req);
        return fail(413, `image larger than ${maxImageBytes} bytes (20 MiB)`);
    }
    const body = await readBody(req);
    if (body === "too-large") return fail(413, `image larger than ${maxImageBytes} bytes (20 MiB)`);
    let form: FormData;
    try {
        // Node's built-in fetch (undici) parses multipart/form-data: no parser of our own or from npm.
        form = await new Request("http://stand-in/predict", { method: "POST", body, headers: { "content-type": contentType } }).formData();
    } catch {
        return fail(400, "malformed multipart/form-data body");
    }
    const file = form.get("file");
    if (file === null || typeof file === "string") return fail(400, 'no file field "file" in the form');
    if (file.size > maxImageBytes) return fail(413, `image larger than ${maxImageBytes} bytes (20 MiB)`);
    const type = file.type.split(";")[0]!.trim().toLowerCase();
    if (!(acceptedTypes as readonly string[]).includes(type)) {
        return fail(415, `unsupported content type "${file.type}": expected one of ${acceptedTypes.join(", ")}`);
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (!looksLike(type as AcceptedType, bytes)) return fail(400, `the file is not a valid ${type} image`);
    return bytes;
}

export interface Prediction {
    prediction: "PNEUMONIA" | "NORMAL";
    confidence: number;
}

/** The same image always gets the same answer; about half of all images read PNEUMONIA. */
export function pseudoPrediction(image: Uint8Array): Prediction {
    const u = createHash("sha256").update(image).digest().readUInt32BE(0) / 2 ** 32;
    return {
        prediction: u >= 0.5 ? "PNEUMONIA" : "NORMAL",
        confidence: Math.round((0.5 + Math.abs(u - 0.5)) * 10_000) / 10_000,
    };
}
