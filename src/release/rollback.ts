// Rollback: pin the detector image of the last *release* (an image promoted to 100 % and healthy)
// in the stack config, `pulumi up`, and follow the Rollout until it is back to healthy on it.
//
// Where the verdicts live: the stack's update history says which image each successful update
// applied, and its messages what promote and rollback did (`rollback detector from X to Y` marks
// X as abandoned); the live Rollout says what became of the newest one (Argo Rollouts keeps the
// stable pods on the old image when a canary aborts: status.abort, phase Degraded). An update that
// succeeded only applied the Rollout, so it is not a release by itself.
import { detectorImageKey, requireDigest, ReleaseError } from "./image";
import { describeRolloutState, rolloutState, waitForRollout, type RolloutReader } from "./rollout";
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

/** The message rollback gives its update; its `from` is how the history remembers an abandoned image. */
export function rollbackMessage(from: string, to: string, reason: string): string {
    return `rollback detector from ${from} to ${to} (${reason})`;
}

/** What an update's message says when it replaces an image that was never released (promote fixing forward over an aborted canary). */
export function abandonsNote(image: string, why: string): string {
    return `(abandons ${image}: ${why})`;
}

/** Images a rollback left, or a promotion replaced after their canary aborted, with the update that did it. */
export function abandonedImages(history: StackUpdate[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const update of updatesNewestFirst(history)) {
        const from = (/^rollback detector from (\S+) to \S+/.exec(update.message) ?? /\(abandons (\S+):/.exec(update.message))?.[1];
        if (from !== undefined && update.result === "succeeded" && !out.has(from)) out.set(from, update.version);
    }
    return out;
}

export interface RollbackOptions {
    /** Roll back to this image instead of the last release; it must be pinned by digest. */
    to?: string;
    /** Deploy --to even when its canary was aborted or it was rolled back from. */
    force?: boolean;
    dryRun?: boolean;
    /** The stack's Rollout: its verdict on the current image, then followed to the end. */
    rollout: { reader: RolloutReader; timeoutSeconds: number; pollSeconds: number };
    log: (line: string) => void;
}

export interface Rollback {
    from: string;
    to: string;
}

export async function rollback(stack: StackGateway, options: RollbackOptions): Promise<Rollback> {
    const history = await stack.history();
    // The newest update, failed or not, is what the stack is trying to run; a failed one is exactly what gets rolled back.
    const current = updatesNewestFirst(history)
        .map(imageOf)
        .find((image) => image !== undefined);
    if (current === undefined) throw new ReleaseError(`stack ${stack.name}: no update in its history records a detector image`);
    const state = rolloutState(await options.rollout.reader.rollout(), current);
    const abandoned = abandonedImages(history);
    // What the Rollout says of the current image is its verdict; the history's rollbacks are the older ones'.
    const refused = (image: string): string | undefined => {
        if (image === current && state.state === "aborted") return `its canary was aborted (${state.message})`;
        const by = abandoned.get(image);
        return by === undefined ? undefined : `update ${by} rolled back from it`;
    };
    let target: string;
    if (options.to !== undefined) {
        target = requireDigest(options.to, "--to");
        const why = refused(target);
        if (why !== undefined && !options.force)
            throw new ReleaseError(`stack ${stack.name}: --to ${target}: ${why}; pass --force to deploy it anyway`);
    } else {
        const previous = releases(history).find((r) => r.image !== current && refused(r.image) === undefined);
        if (!previous)
            throw new ReleaseError(
                `stack ${stack.name}: no release before ${current} that was not rolled back; nothing to roll back to (--to REF to choose one)`,
            );
        target = requireDigest(previous.image, `stack ${stack.name} update ${previous.version}`);
    }
    if (target === current && state.state === "healthy")
        throw new ReleaseError(`stack ${stack.name}: already running ${current}, fully promoted`);
    if (!options.dryRun) {
        await stack.setConfig(detectorImageKey, target);
        options.log(`${stack.name}: detector.image set to ${target}; running pulumi up`);
        await stack.up(rollbackMessage(current, target, `the Rollout was ${describeRolloutState(state)}`), options.log);
        options.log(
            `${stack.name}: following the Rollout back to ${target} (at most ${Math.round(options.rollout.timeoutSeconds / 60)} min)`,
        );
        await waitForRollout(options.rollout.reader, {
            image: target,
            timeoutSeconds: options.rollout.timeoutSeconds,
            pollSeconds: options.rollout.pollSeconds,
            log: options.log,
        });
    }
    return { from: current, to: target };
}
