// Promotion: production runs exactly the detector image that staging deployed and smoke-checked,
// pinned by digest in production's stack config (Pulumi.production.yaml, `detector.image`).
import { detectorImageKey, requireDigest, ReleaseError } from "./image";
import type { OpenStack } from "./stack";

export interface PromoteOptions {
    from: string;
    to: string;
    /** The digest to promote, as recorded by the pipeline's staging job; default: `from`'s `detectorImage` output. */
    image?: string;
    dryRun?: boolean;
    /** The pre-checks (src/release/verify.ts): throw one line when the image may not be promoted. */
    verify?: (image: string) => Promise<void>;
}

export interface Promotion {
    image: string;
    previous?: string;
    changed: boolean;
}

export async function promote(open: OpenStack, options: PromoteOptions): Promise<Promotion> {
    if (options.from === options.to) throw new ReleaseError(`promote: --from and --to are both "${options.to}"`);
    let image: string;
    if (options.image !== undefined) {
        image = requireDigest(options.image, "--image");
    } else {
        const outputs = await (await open(options.from)).outputs();
        if (!("detectorImage" in outputs)) {
            throw new ReleaseError(`stack ${options.from}: no output detectorImage (has it been deployed?)`);
        }
        image = requireDigest(outputs.detectorImage, `stack ${options.from} output detectorImage`);
    }
    await options.verify?.(image);
    const target = await open(options.to);
    const previous = await target.getConfig(detectorImageKey);
    const changed = previous !== image;
    if (changed && !options.dryRun) await target.setConfig(detectorImageKey, image);
    return { image, previous, changed };
}
