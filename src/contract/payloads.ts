// Small, valid chest-X-ray-like images in the three formats the detector contract accepts, made in
// code so the contract check carries no binary files: a grey-gradient PNG (RFC 2083 / PNG spec),
// a baseline JPEG of one uniform block (ITU-T T.81), and a DICOM Part 10 Digital X-Ray file
// (PS3.10 file meta, explicit VR little endian, 8-bit MONOCHROME2 pixels). Checked once by hand
// with real decoders: libjpeg-turbo's djpeg decodes the JPEG, DCMTK's dcmdump and dcm2pnm read the DICOM file.
import { crc32, deflateSync } from "node:zlib";

export interface Payload {
    /** The form file's content type. */
    type: "image/png" | "image/jpeg" | "application/dicom";
    filename: string;
    bytes: Uint8Array;
}

function pngChunk(type: string, data: Buffer): Buffer {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
}

/** A width x width 8-bit greyscale PNG with a horizontal gradient; `seed` shifts it (distinct images). */
export function png(width = 64, seed = 0): Uint8Array {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(width, 4);
    header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
    const rows = Buffer.alloc(width * (width + 1));
    for (let y = 0; y < width; y++) {
        rows[y * (width + 1)] = 0; // filter type None
        for (let x = 0; x < width; x++) rows[y * (width + 1) + 1 + x] = (x * 4 + y + seed) & 0xff;
    }
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        pngChunk("IHDR", header),
        pngChunk("IDAT", deflateSync(rows)),
        pngChunk("IEND", Buffer.alloc(0)),
    ]);
}

/**
 * An 8x8 greyscale baseline JPEG: one block whose DC difference is 0 and whose AC coefficients are
 * all zero, coded with one-symbol Huffman tables (DC category 0 and AC end-of-block, each code "0").
 */
export function jpeg(): Uint8Array {
    const segment = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
    const oneSymbolTable = (tableClass: number) => [tableClass << 4, 1, ...new Array(15).fill(0), 0x00];
    return Uint8Array.from([
        0xff,
        0xd8, // SOI
        ...segment(0xdb, [0x00, ...new Array(64).fill(1)]), // DQT: table 0, all ones
        ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // SOF0: 8 bits, 8x8, one component, 1x1 sampling, table 0
        ...segment(0xc4, oneSymbolTable(0)), // DHT: DC table 0
        ...segment(0xc4, oneSymbolTable(1)), // DHT: AC table 0
        ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS: component 1, tables 0/0, full spectral range
        0x3f, // "0" (DC 0) + "0" (EOB), padded with ones
        0xff,
        0xd9, // EOI
    ]);
}

/** One explicit-VR little-endian element (PS3.5 7.1.2); values padded to an even length. */
function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
    const padded = value.length % 2 ? Buffer.concat([value, Buffer.from([vr === "UI" || vr === "OB" ? 0 : 0x20])]) : value;
    const long = ["OB", "OW", "OF", "SQ", "UT", "UN"].includes(vr);
    const head = Buffer.alloc(long ? 12 : 8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(elem, 2);
    head.write(vr, 4, "latin1");
    if (long) head.writeUInt32LE(padded.length, 8);
    else head.writeUInt16LE(padded.length, 6);
    return Buffer.concat([head, padded]);
}

const us = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
};
const text = (s: string) => Buffer.from(s, "latin1");

/** A DICOM Part 10 file: Digital X-Ray Image Storage, 16x16 8-bit MONOCHROME2 pixels. */
export function dicom(size = 16): Uint8Array {
    const sopClass = "1.2.840.10008.5.1.4.1.1.1.1"; // Digital X-Ray Image Storage - For Presentation
    const sopInstance = "1.2.826.0.1.3680043.10.1.1";
    const meta = Buffer.concat([
        element(0x0002, 0x0001, "OB", Buffer.from([0, 1])),
        element(0x0002, 0x0002, "UI", text(sopClass)),
        element(0x0002, 0x0003, "UI", text(sopInstance)),
        element(0x0002, 0x0010, "UI", text("1.2.840.10008.1.2.1")), // explicit VR little endian
    ]);
    const groupLength = Buffer.alloc(4);
    groupLength.writeUInt32LE(meta.length);
    const pixels = Buffer.from(Array.from({ length: size * size }, (_, i) => (i * 7) & 0xff));
    return Buffer.concat([
        Buffer.alloc(128),
        text("DICM"),
        element(0x0002, 0x0000, "UL", groupLength),
        meta,
        element(0x0008, 0x0016, "UI", text(sopClass)),
        element(0x0008, 0x0018, "UI", text(sopInstance)),
        element(0x0008, 0x0060, "CS", text("DX")),
        element(0x0028, 0x0002, "US", us(1)),
        element(0x0028, 0x0004, "CS", text("MONOCHROME2")),
        element(0x0028, 0x0010, "US", us(size)),
        element(0x0028, 0x0011, "US", us(size)),
        element(0x0028, 0x0100, "US", us(8)),
        element(0x0028, 0x0101, "US", us(8)),
        element(0x0028, 0x0102, "US", us(7)),
        element(0x0028, 0x0103, "US", us(0)),
        element(0x7fe0, 0x0010, "OB", pixels),
    ]);
}

/** One image per accepted content type. */
export function samplePayloads(): Payload[] {
    return [
        { type: "image/png", filename: "chest.png", bytes: png() },
        { type: "image/jpeg", filename: "chest.jpg", bytes: jpeg() },
        { type: "application/dicom", filename: "chest.dcm", bytes: dicom() },
    ];
}
