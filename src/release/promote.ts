// Promotion: production runs exactly the detector image that staging deployed, smoke-checked and
// load-tested, pinned by digest in its stack config (Pulumi.production.yaml, `detector.image`).
// Then `pulumi up` applies the new Rollout template and the release waits for Argo Rollouts'
// verdict: fully promoted after the canary's watch (the manual's release watch; longer for a hotfix), or aborted by the
// analysis, with traffic back on the stable version and the analysis result in the log.
import { CheckFailedError, UsageError } from "../cli/command";
import { detectorImageKey, requireDigest } from "./image";
import { describeRolloutState, rolloutState, waitForRollout, type RolloutReader } from "./rollout";
import { abandonsNote } from "./rollback";
import type { OpenStack } from "./stack";

/** The stack config path `promote --hotfix` sets (and a normal promote resets): the Rollout watches 30 min. */
export const hotfixKey = "release.hotfix";

export interface PromoteOptions {
    from: string;
    to: string;
    /** The digest to promote, as recorded by the pipeline's staging job; default: `from`'s `detectorImage` output. */
    image?: string;
    hotfix: boolean;
    dryRun: boolean;
    /** The gate: resolves with a summary line when the image passed `from`'s load test, throws otherwise. */
    checkLoadTest: (image: string) => Promise<string>;
    /** A stack's Rollout (`from`'s for the gate, `to`'s to follow), and how long to follow `to`'s at most. */
    rollout: { reader: (stack: string) => RolloutReader; timeoutSeconds: number; pollSeconds: number };
    log: (line: string) => void;
    /** The image checks (src/release/verify.ts): throw one line when the image may not be promoted. */
    verify?: (image: string) => Promise<void>;
}

export interface Promotion {
    image: string;
    previous?: string;
    changed: boolean;
}

export async function promote(open: OpenStack, options: PromoteOptions): Promise<Promotion> {
    if (options.from === options.to) throw new UsageError(`promote: the source and target stacks are both "${options.to}"`);
    let image: string;
    if (options.image !== undefined) {
        image = requireDigest(options.image, "--image");
    } else {
        const outputs = await (await open(options.from)).outputs();
        if (!("detectorImage" in outputs))
            throw new CheckFailedError(`stack ${options.from}: no output detectorImage (has it been deployed?)`);
        image = requireDigest(outputs.detectorImage, `stack ${options.from} output detectorImage`);
    }
    // An update and a load test can pass while the canary aborts (stable pods left on the old
    // image): only a Rollout fully promoted and healthy on this digest has released it in `from`.
    const sourceState = rolloutState(await options.rollout.reader(options.from).rollout(), image);
    if (sourceState.state !== "healthy") {
        throw new CheckFailedError(
            `stack ${options.from}: its Rollout has not released ${image} (${describeRolloutState(sourceState)}); promote only what ${options.from} fully promoted`,
        );
    }
    options.log(`${options.from}: Rollout fully promoted and healthy on ${image}`);
    options.log(await options.checkLoadTest(image));
    await options.verify?.(image);

    const target = await open(options.to);
    const previous = await target.getConfig(detectorImageKey);
    const changed = previous !== image;
    if (options.dryRun) return { image, previous, changed };

    // Fixing forward over an aborted canary: the update's message records that its image was never
    // released, so that a later rollback does not return to it (src/release/rollback.ts).
    const reader = options.rollout.reader(options.to);
    const before = previous === undefined || !changed ? undefined : rolloutState(await reader.rollout(), previous);
    await target.setConfig(detectorImageKey, image);
    await target.setConfig(hotfixKey, String(options.hotfix));
    if (!changed) options.log(`${options.to}: detector.image is already ${image}; pulumi up applies any other change`);
    const kind = options.hotfix ? "hotfix" : "release";
    await target.up(
        `${kind} detector ${image}${before?.state === "aborted" ? ` ${abandonsNote(previous!, "its canary was aborted")}` : ""}`,
        options.log,
    );
    options.log(`${options.to}: watching the ${kind} canary (at most ${Math.round(options.rollout.timeoutSeconds / 60)} min)`);
    await waitForRollout(reader, {
        image,
        timeoutSeconds: options.rollout.timeoutSeconds,
        pollSeconds: options.rollout.pollSeconds,
        log: options.log,
    });
    return { image, previous, changed };
}
