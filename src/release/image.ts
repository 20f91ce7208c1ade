// What a release is, for promotion and rollback: the detector image, always by digest.
import { hasDigest, imageReference } from "../../infra/platform/schema";
import { CheckFailedError } from "../cli/command";

/** The stack config path of the detector image (`pneumonia-platform:detector` → `image`). */
export const detectorImageKey = "detector.image";

/** A release problem in one line (no digest, no history, a check that refuses the image): the CLI exits 1 with it. */
export class ReleaseError extends CheckFailedError {
    override name = "ReleaseError";
}

/** Throws unless `image` is a valid reference pinned by digest; `source` names where it came from. */
export function requireDigest(image: unknown, source: string): string {
    if (typeof image !== "string" || image === "") throw new ReleaseError(`${source}: no detector image`);
    if (!imageReference.safeParse(image).success || !hasDigest(image)) {
        throw new ReleaseError(
            `${source}: "${image}" is not pinned by digest (expected repo@sha256:<64 hex>); production never runs a moving tag`,
        );
    }
    return image;
}
