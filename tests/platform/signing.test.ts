// Finding 5: the signer writes what the verifier reads. The delivery workflow's `cosign sign`, run by
// the cosign its installer step pins, must write the signature format the production admission
// (policy-controller chart 0.10.6, app v0.13.1) verifies, its `cosign verify` (which decides whether a
// digest is signed already) must read only that format, and the ECR lifecycle must never expire it.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { signatureFormat as policyFormat, signedImagesPolicy } from "../../infra/images/admission";
import { imagesDefaults } from "../../infra/images/config";
import { lifecycleRules } from "../../infra/images/lifecycle";
import { expiredImages, type ImageDetail } from "../helpers/ecr-lifecycle";

type Format = "legacy" | "bundle";

/**
 * The cosign release each pinned sigstore/cosign-installer commit installs when `cosign-release` is not
 * given: its action.yml `inputs.cosign-release.default`.
 */
const installerDefaults: Record<string, string> = {
    "6f9f17788090df1f26f669e9d70d6ae9567deba6": "v3.0.6", // v4.1.2
};

/** A boolean flag as cobra parses it: absent gives the default, `--f` or `--f=true` true, `--f=false` false. */
function flag(args: string[], name: string, fallback: boolean): boolean {
    const given = args.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`)).pop();
    if (given === undefined) return fallback;
    return given === `--${name}` || given === `--${name}=true`;
}

/**
 * What `cosign sign` uploads, per cosign's source: v2 defaults --new-bundle-format and
 * --use-signing-config to false; v3 (cmd/cosign/cli/options/sign.go at v3.0.6) to true, refuses the
 * legacy format with a signing config and no --bundle file (cmd/cosign/cli/signcommon/common.go,
 * "must provide --new-bundle-format or --bundle ..."), and writes a bundle as an OCI referrer when
 * --new-bundle-format, else the legacy sha256-<digest>.sig tag (cmd/cosign/cli/sign/sign.go).
 */
export function cosignSignWrites(version: string, args: string[]): Format {
    const v3 = /^v3\./.test(version);
    const newBundle = flag(args, "new-bundle-format", v3);
    const signingConfig = flag(args, "use-signing-config", v3);
    if (signingConfig && !newBundle && !args.some((a) => a.startsWith("--bundle"))) {
        throw new Error("must provide --new-bundle-format or --bundle where applicable with --signing-config or --use-signing-config");
    }
    return newBundle ? "bundle" : "legacy";
}

/** What `cosign verify` accepts: v3 looks for bundles first and falls back to legacy (cmd/cosign/cli/verify/verify.go at v3.0.6). */
export function cosignVerifyReads(version: string, args: string[]): Format[] {
    return flag(args, "new-bundle-format", /^v3\./.test(version)) ? ["bundle", "legacy"] : ["legacy"];
}

/**
 * What the policy-controller verifies for image signatures, per authority `signatureFormat` (CRD
 * description: "legacy" unless set). v0.13.1 verifies bundles for attestations only
 * (sigstore/policy-controller PR 1725); image signatures in the bundle format are not verifiable
 * (issue 1958, open).
 */
function policyControllerReads(format: string | undefined): Format[] {
    return (format ?? "legacy") === "legacy" ? ["legacy"] : [];
}

interface Step {
    uses?: string;
    with?: Record<string, string>;
    run?: string;
}
const workflow = parse(readFileSync(join(__dirname, "../../.github/workflows/delivery.yml"), "utf8"));

/** The pinned cosign version and the arguments of its sign and verify commands in the deploy-staging job. */
function workflowSigning(steps: Step[]): { version: string; sign: string[]; verify: string[] } {
    const installer = steps.find((s) => /^sigstore\/cosign-installer@/.test(s.uses ?? ""));
    if (!installer) throw new Error("no sigstore/cosign-installer step");
    const commit = installer.uses!.split("@")[1];
    const version = installer.with?.["cosign-release"] ?? installerDefaults[commit];
    if (!version) throw new Error(`cosign-installer@${commit}: no cosign-release and no known default`);
    const script = steps
        .map((s) => s.run ?? "")
        .join("\n")
        .replace(/\\\n/g, " ");
    const command = (verb: string) => {
        const match = new RegExp(`cosign ${verb} ([^|&;\\n]*)`).exec(script);
        if (!match) throw new Error(`no cosign ${verb} in the workflow`);
        return match[1].trim().split(/\s+/);
    };
    return { version, sign: command("sign"), verify: command("verify") };
}

const now = new Date("2026-11-30T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

/**
 * The signature's own manifest in the repository: legacy, tagged sha256-<digest>.sig; bundle, untagged
 * with the image as subject (ECR serves the OCI 1.1 referrers API, so cosign uses no fallback tag).
 */
function signatureArtifact(format: Format, subject: string, pushedAt: Date): ImageDetail {
    return { digest: digest(9999), tags: format === "legacy" ? [`${subject.replace(":", "-")}.sig`] : [], pushedAt };
}

describe("platform: image signatures, signer and verifier", () => {
    const steps: Step[] = workflow.jobs["deploy-staging"].steps;
    const policy = signedImagesPolicy({
        environment: "production",
        registryAccountId: "111122223333",
        region: "eu-west-1",
        signing: imagesDefaults("production").signing,
    });
    const verifierReads = policyControllerReads(policy.spec.authorities[0].signatureFormat);

    it("the delivery workflow's cosign sign writes the format production's policy-controller verifies", () => {
        const { version, sign } = workflowSigning(steps);
        assert.match(version, /^v\d+\.\d+\.\d+$/, "cosign-release pinned to an exact version");
        const written = cosignSignWrites(version, sign);
        assert.ok(
            verifierReads.includes(written),
            `cosign ${version} writes ${written}; the policy-controller reads ${verifierReads.join(", ") || "nothing"}`,
        );
        assert.equal(written, policyFormat);
    });

    it("its cosign verify counts only that format as signed, so a bundle-only digest is signed again", () => {
        const { version, verify } = workflowSigning(steps);
        assert.deepEqual(cosignVerifyReads(version, verify), verifierReads);
    });

    it("the ECR lifecycle never expires the signature the workflow writes", () => {
        const { version, sign } = workflowSigning(steps);
        const images = imagesDefaults("production");
        const promoted = { digest: digest(1), tags: ["promoted-production-20250101T000000Z"], pushedAt: daysAgo(400) };
        const newer = Array.from({ length: images.keepImages + 10 }, (_, i) => ({
            digest: digest(100 + i),
            tags: [`1.${i}.0`],
            pushedAt: daysAgo(i + 1),
        }));
        const signature = signatureArtifact(cosignSignWrites(version, sign), promoted.digest, daysAgo(400));
        assert.deepEqual(
            expiredImages(lifecycleRules(images), [promoted, signature, ...newer], now).filter(
                (d) => d === promoted.digest || d === signature.digest,
            ),
            [],
        );
    });

    // The case that failed before the fix: installer v4.1.2's default cosign with a plain `cosign sign --yes`.
    it("cosign v3's defaults write a bundle the policy-controller cannot verify and the lifecycle expires", () => {
        const written = cosignSignWrites("v3.0.6", ["--yes", "$image"]);
        assert.equal(written, "bundle");
        assert.ok(!verifierReads.includes(written));
        const signature = signatureArtifact(written, digest(1), daysAgo(imagesDefaults("production").untaggedExpireDays + 1));
        assert.deepEqual(expiredImages(lifecycleRules(imagesDefaults("production")), [signature], now), [signature.digest]);
        assert.deepEqual(cosignVerifyReads("v3.0.6", ["--certificate-identity", "x"]), ["bundle", "legacy"]);
    });

    it("models cosign's refusal of the legacy format with a signing config, and v2's legacy default", () => {
        assert.throws(
            () => cosignSignWrites("v3.0.6", ["--yes", "--new-bundle-format=false"]),
            /must provide --new-bundle-format or --bundle/,
        );
        assert.equal(cosignSignWrites("v3.0.6", ["--yes", "--new-bundle-format=false", "--use-signing-config=false"]), "legacy");
        assert.equal(cosignSignWrites("v2.6.1", ["--yes"]), "legacy");
        assert.throws(
            () => workflowSigning([{ uses: "sigstore/cosign-installer@0000000000000000000000000000000000000000" }]),
            /no cosign-release and no known default/,
        );
    });
});
