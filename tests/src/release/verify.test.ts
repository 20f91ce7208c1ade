// promote's pre-checks against ECR and STS fakes whose answers come from staging's real pull grant
// (its stack file's images.pullers through infra/images/pull-policy.ts) and an image list.
import { strict as assert } from "node:assert";
import { pullPolicy } from "../../../infra/images/pull-policy";
import { ReleaseError } from "../../../src/release/image";
import { promote } from "../../../src/release/promote";
import { promotedTag, releaseVerifier, verifyRelease, type VerifyReleaseArgs } from "../../../src/release/verify";
import { readStackFile } from "../../../src/release/stack-file";
import { ecrFullAccessPolicy, ecrReadOnlyManagedPolicy } from "../../helpers/iam-policy";
import { fakeEcr, fakeSts, type FakeImage, type FakeRegistry, type Principal } from "./fake-ecr";
import { digest, fakeStack, opener, update } from "./fake-stack";
import { settledRollout } from "./fake-rollout";

const staging = readStackFile("staging");
const production = readStackFile("production");
const image = digest("b");
const sha = image.split("@")[1]!;
const now = new Date("2026-11-30T06:00:00Z");
const stagingCi: Principal = {
    arn: "arn:aws:iam::111122223333:role/pneumonia-staging-ci",
    account: "111122223333",
    identityPolicies: [ecrFullAccessPolicy],
};
const productionPromote: Principal = {
    arn: production.images.promoteRoleArn!,
    account: "444455556666",
    identityPolicies: [ecrReadOnlyManagedPolicy],
};

/** `grant: false` is the registry before this change: no repository policy at all. */
function registryWith(images: FakeImage[], grant = true): FakeRegistry {
    const policy = grant ? pullPolicy(staging.images.pullers) : undefined;
    return { account: "111122223333", region: "eu-west-1", repositories: { "pneumonia-detector": { policy, images } } };
}
const clean = (): FakeImage => ({ digest: sha, tags: ["1.5.0"], scan: { status: "COMPLETE", counts: { LOW: 3, MEDIUM: 1 } } });

function args(
    registry: FakeRegistry,
    overrides: Partial<VerifyReleaseArgs> = {},
    target: Principal = productionPromote,
): VerifyReleaseArgs {
    return {
        image,
        from: "staging",
        to: "production",
        registryAccountId: production.images.registryAccountId!,
        targetAccountId: "444455556666",
        blockingSeverity: production.images.blockingSeverity,
        registry: fakeEcr(registry, stagingCi),
        target: { ecr: fakeEcr(registry, target), sts: fakeSts(target) },
        sourceHistory: [update(7, image), update(6, digest("a"))],
        now,
        ...overrides,
    };
}

async function refuses(a: VerifyReleaseArgs, message: RegExp) {
    await assert.rejects(verifyRelease(a), (e: Error) => {
        assert.ok(e instanceof ReleaseError, `expected a ReleaseError, got ${e.name}: ${e.message}`);
        assert.ok(!e.message.includes("\n"), "one line");
        assert.match(e.message, message);
        return true;
    });
}

describe("release: promote's pre-checks (verify)", () => {
    it("passes a scanned, pullable digest staging ran and load-tested, and tags it promoted- so the lifecycle keeps it", async () => {
        const registry = registryWith([clean()]);
        await verifyRelease(args(registry));
        assert.deepEqual(registry.repositories["pneumonia-detector"]!.images[0]!.tags, ["1.5.0", promotedTag("production", now)]);
        assert.match(promotedTag("production", now), /^promoted-production-20261130T060000Z$/);
    });

    it("a dry run checks everything and tags nothing", async () => {
        const registry = registryWith([clean()]);
        await verifyRelease(args(registry, { dryRun: true }));
        assert.deepEqual(registry.repositories["pneumonia-detector"]!.images[0]!.tags, ["1.5.0"]);
    });

    it("refuses a digest the repository does not have (ImageNotFoundException)", () =>
        refuses(args(registryWith([{ ...clean(), digest: `sha256:${"c".repeat(64)}` }])), /no such digest in pneumonia-detector/));

    it("refuses an image never scanned (ScanNotFoundException)", () =>
        refuses(args(registryWith([{ ...clean(), scan: undefined }])), /never scanned/));

    it("refuses a scan still in progress", () =>
        refuses(args(registryWith([{ ...clean(), scan: { status: "IN_PROGRESS", counts: {} } }])), /scan is IN_PROGRESS/));

    it("refuses findings at the blocking severity, and passes the same findings just under it", async () => {
        await refuses(
            args(registryWith([{ ...clean(), scan: { status: "COMPLETE", counts: { HIGH: 2, CRITICAL: 1 } } }])),
            /2 HIGH, 1 CRITICAL finding\(s\) at or above HIGH/,
        );
        await verifyRelease(args(registryWith([{ ...clean(), scan: { status: "COMPLETE", counts: { MEDIUM: 9 } } }]), { dryRun: true }));
    });

    it("refuses when production's role has no pull grant (AccessDeniedException from the policy without it)", () =>
        refuses(
            args(registryWith([clean()], false)),
            /production \(.*pneumonia-production-promote.*\) may not pull from pneumonia-detector/,
        ));

    it("refuses a role of another account even with the grant in place", () => {
        const stranger: Principal = {
            arn: "arn:aws:iam::999988887777:role/pneumonia-production-promote",
            account: "999988887777",
            identityPolicies: [ecrReadOnlyManagedPolicy],
        };
        return refuses(args(registryWith([clean()]), { targetAccountId: "999988887777" }, stranger), /may not pull/);
    });

    it("refuses credentials of the wrong account for the pull check", () =>
        refuses(
            args(registryWith([clean()]), { targetAccountId: "555555555555" }),
            /credentials are account 444455556666, not production's 555555555555/,
        ));

    it("refuses an image outside the registry's account", () =>
        refuses(
            args(registryWith([clean()]), { image: image.replace("111122223333", "444455556666") }),
            /not in the registry's account 111122223333/,
        ));

    it("refuses an image staging's latest successful update (and smoke check) did not run", async () => {
        await refuses(
            args(registryWith([clean()]), { sourceHistory: [update(8, image, "failed"), update(7, digest("a"))] }),
            /latest successful update \(with its smoke check\) ran .*a{64}, not this image/,
        );
    });

    it("promote changes nothing when a check fails", async () => {
        const productionStack = fakeStack("production", { config: { "detector.image": digest("a") } });
        const stagingStack = fakeStack("staging", { outputs: { detectorImage: image } });
        const registry = registryWith([{ ...clean(), scan: undefined }]);
        await assert.rejects(
            promote(opener(stagingStack, productionStack), {
                from: "staging",
                to: "production",
                hotfix: false,
                dryRun: false,
                checkLoadTest: async (img) => `staging load test passed for ${img}`,
                verify: (img) => verifyRelease(args(registry, { image: img })),
                // Staging's Rollout released the image; production's is never watched when a check fails.
                rollout: {
                    reader: (stack) =>
                        stack === "staging" ? settledRollout(image, "healthy") : assert.fail("no rollout is watched when a check fails"),
                    timeoutSeconds: 60,
                    pollSeconds: 0,
                },
                log: () => undefined,
            }),
            /never scanned/,
        );
        assert.equal(productionStack.config.get("detector.image"), digest("a"));
    });

    it("the CLI's verifier refuses, before any AWS call, a target outside AWS", async () => {
        const stacks = opener(fakeStack("staging", { outputs: { detectorImage: image } }), fakeStack("production"));
        await assert.rejects(releaseVerifier(stacks, { from: "staging", to: "local" })(image), /stack local: no aws and cluster sections/);
    });
});
