// The `--resources FILE.json` input: a JSON array of `{"type", "name", "props", "parent"?}` (or
// the output of `npm run plan -- <stack> --json`), checked entry by entry into evaluator input.
import * as fs from "node:fs";
import type { InputResource } from "./evaluate";

/** An unusable resources file: the message is one line naming the file and the entry. */
export class ResourcesFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ResourcesFileError";
    }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `type`, prefixed with its ancestors' types as a URN's qualified type is. */
function qualifiedType(
    entry: { type: string; parent?: string },
    byKey: Map<string, { type: string; parent?: string }>,
    seen = new Set<string>(),
): string {
    if (!entry.parent) return entry.type;
    const urnType = /^urn:pulumi:[^:]*::[^:]*::(.+)::[^:]*$/.exec(entry.parent)?.[1];
    if (urnType) return `${urnType}$${entry.type}`;
    const parent = byKey.get(entry.parent);
    if (!parent || seen.has(entry.parent)) return entry.type;
    seen.add(entry.parent);
    return `${qualifiedType(parent, byKey, seen)}$${entry.type}`;
}

export function parseResources(document: unknown, source: string, stack: string, project: string): InputResource[] {
    const list = Array.isArray(document)
        ? document
        : isObject(document) && Array.isArray(document.resources)
          ? document.resources
          : undefined;
    if (!list) throw new ResourcesFileError(`${source}: expected a JSON array of resources ({"type", "name", "props"})`);
    const entries = list.map((entry: unknown, i: number) => {
        const where = `${source}: resources[${i}]`;
        if (!isObject(entry)) throw new ResourcesFileError(`${where}: expected an object`);
        for (const key of ["type", "name"]) {
            if (typeof entry[key] !== "string" || entry[key] === "")
                throw new ResourcesFileError(`${where}.${key}: expected a non-empty string`);
        }
        // The plan's JSON carries `inputs` (secrets redacted); the policy input format carries `props`.
        const props = entry.props ?? entry.inputs ?? {};
        if (!isObject(props)) throw new ResourcesFileError(`${where}.props: expected an object`);
        for (const key of ["parent", "urn"]) {
            if (entry[key] !== undefined && entry[key] !== null && typeof entry[key] !== "string") {
                throw new ResourcesFileError(`${where}.${key}: expected a string`);
            }
        }
        return {
            type: entry.type as string,
            name: entry.name as string,
            props,
            parent: (entry.parent ?? undefined) as string | undefined,
            urn: (entry.urn ?? undefined) as string | undefined,
        };
    });
    const byKey = new Map(entries.flatMap((e) => [...(e.urn ? [[e.urn, e] as const] : []), [e.name, e] as const]));
    const urns = entries.map((e) => e.urn ?? `urn:pulumi:${stack}::${project}::${qualifiedType(e, byKey)}::${e.name}`);
    urns.forEach((urn, i) => {
        if (urns.indexOf(urn) !== i) throw new ResourcesFileError(`${source}: resources[${i}]: a second resource with URN ${urn}`);
    });
    const urnOf = new Map(entries.flatMap((e, i) => [[urns[i], urns[i]] as const, [e.name, urns[i]] as const]));
    return entries.map((e, i) => {
        const parent = e.parent === undefined ? undefined : (urnOf.get(e.parent) ?? (e.parent.startsWith("urn:") ? e.parent : undefined));
        if (e.parent !== undefined && parent === undefined) {
            throw new ResourcesFileError(
                `${source}: resources[${i}].parent: "${e.parent}" is neither a URN nor the name of a resource in the file`,
            );
        }
        return { urn: urns[i], type: e.type, name: e.name, props: e.props, ...(parent ? { parent } : {}) };
    });
}

export function readResources(file: string, stack: string, project: string): InputResource[] {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new ResourcesFileError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch (e) {
        throw new ResourcesFileError(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    return parseResources(document, file, stack, project);
}
