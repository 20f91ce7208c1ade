// `plan --out DIR` writes a clean tree: a directory this command wrote before (it carries the
// marker file) is replaced whole; a non-empty directory without the marker is refused, so no
// stale manifest from another stack survives and nobody's files are deleted. The new tree is
// written beside DIR and renamed into place: DIR holds the old tree or the new one, never half.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../cli/command";

export const outputMarker = ".pneumonia-plan";

/** Writes a fresh tree through `write(tmpDir)` and puts it at `dir`. Returns what `write` returns. */
export function replaceOutputDir<T>(dir: string, stack: string, write: (tmpDir: string) => T): T {
    const target = path.resolve(dir);
    if (fs.existsSync(target)) {
        if (!fs.statSync(target).isDirectory()) throw new UsageError(`--out ${dir}: exists and is not a directory`);
        const entries = fs.readdirSync(target);
        if (entries.length > 0 && !entries.includes(outputMarker)) {
            throw new UsageError(`--out ${dir}: not empty and not written by plan (no ${outputMarker}); give an empty or new directory`);
        }
    }
    const parent = path.dirname(target);
    try {
        fs.mkdirSync(parent, { recursive: true });
    } catch (e) {
        throw new UsageError(`--out ${dir}: cannot create ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    let tmp: string;
    try {
        tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.tmp-`));
    } catch (e) {
        throw new UsageError(`--out ${dir}: cannot write in ${parent} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    try {
        const result = write(tmp);
        fs.writeFileSync(path.join(tmp, outputMarker), `written by npm run plan -- ${stack} --out; replaced whole on the next run\n`);
        fs.rmSync(target, { recursive: true, force: true });
        fs.renameSync(tmp, target);
        return result;
    } catch (e) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw e;
    }
}

/** What `--out` wrote and where, in one line (the paths `write` returned are inside the temporary directory). */
export function describeWritten(dir: string, files: number, stack: string): string {
    const kinds = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map(
            (e) =>
                `${e.name}/ (${fs.readdirSync(path.join(dir, e.name), { recursive: true }).filter((f) => fs.statSync(path.join(dir, e.name, String(f))).isFile()).length})`,
        );
    return `plan: wrote ${files} files for ${stack} to ${path.resolve(dir)}: ${kinds.join(", ")}`;
}
