// Rollback: find the detector image the stack ran before the current one in its update history,
// pin it in the stack config, and `pulumi up`. The detector's rolling update (maxUnavailable 0)
// keeps serving on the old pods until the new ones are ready.
import { detectorImageKey, requireDigest, ReleaseError } from "./image";
import { projectName, type StackGateway, type StackUpdate } from "./stack";

export interface Release {
    image: string;
    /** The update that first deployed this image in an unbroken run of successful updates. */
    version: number;
    deployedAt: Date;
}

const detectorConfigKey = `${projectName}:${detectorImageKey.split(".")[0]}`;

function imageOf(update: StackUpdate): string | undefined {
    const raw = update.config[detectorConfigKey]?.value;
    if (raw === undefined) return undefined;
    try {
        const image = (JSON.parse(raw) as { image?: unknown }).image;
        return typeof image === "string" ? image : undefined;
    } catch {
        return undefined;
    }
}

function updatesNewestFirst(history: StackUpdate[]): StackUpdate[] {
    return history.filter((u) => u.kind === "update").sort((a, b) => b.version - a.version);
}

/** Successful updates collapsed into releases (newest first): consecutive updates with the same image are one release. */
export function releases(history: StackUpdate[]): Release[] {
    const out: Release[] = [];
    for (const update of updatesNewestFirst(history).filter((u) => u.result === "succeeded")) {
        const image = imageOf(update);
        if (image === undefined) continue;
        const newest = out.at(-1);
        if (newest?.image === image) {
            newest.version = update.version;
            newest.deployedAt = update.startTime;
        } else {
            out.push({ image, version: update.version, deployedAt: update.startTime });
        }
    }
    return out;
}

export interface RollbackOptions {
    /** Roll back to this image instead of the previous release; it must be pinned by digest. */
    to?: string;
    dryRun?: boolean;
    log: (line: string) => void;
}

export interface Rollback {
    from: string;
    to: string;
}

export async function rollback(stack: StackGateway, options: RollbackOptions): Promise<Rollback> {
    const history = await stack.history();
    // The newest update, failed or not, is what the stack is trying to run; a failed one is exactly what gets rolled back.
    const current = updatesNewestFirst(history).map(imageOf).find((image) => image !== undefined);
    if (current === undefined) throw new ReleaseError(`stack ${stack.name}: no update in its history records a detector image`);
    let target: string;
    if (options.to !== undefined) {
        target = requireDigest(options.to, "--to");
    } else {
        const previous = releases(history).find((r) => r.image !== current);
        if (!previous) throw new ReleaseError(`stack ${stack.name}: no successful update ran an image other than ${current}; nothing to roll back to`);
        target = requireDigest(previous.image, `stack ${stack.name} update ${previous.version}`);
    }
    if (target === current) throw new ReleaseError(`stack ${stack.name}: already running ${current}`);
    if (!options.dryRun) {
        await stack.setConfig(detectorImageKey, target);
        options.log(`${stack.name}: detector.image set to ${target}; running pulumi up`);
        await stack.up(`rollback detector from ${current} to ${target}`, options.log);
    }
    return { from: current, to: target };
}
