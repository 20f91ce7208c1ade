import * as assert from "node:assert/strict";
import { parseImage } from "../../../policies/kubernetes/image-pinned";
import { messages } from "../check";
import { deployment, edit } from "../factory";

const withImage = (image: string) => [edit(deployment("detector"), (p) => (p.spec.template.spec.containers[0].image = image))];

describe("kubernetes/image-pinned", () => {
    it("parses registries with ports, tags and digests", () => {
        assert.deepEqual(parseImage("localhost:5000/detector:1.2"), {
            repository: "localhost:5000/detector",
            tag: "1.2",
            digest: undefined,
        });
        assert.deepEqual(parseImage("repo@sha256:abc"), { repository: "repo", digest: "sha256:abc" });
    });
    it("passes a digest in production and an immutable tag elsewhere", async () => {
        assert.deepEqual(await messages("kubernetes-image-pinned", [deployment("detector")]), []);
        assert.deepEqual(await messages("kubernetes-image-pinned", withImage("ghcr.io/org/detector:1.4.2"), { requireDigest: false }), []);
    });
    it("flags latest, untagged and (in production) digest-less images", async () => {
        assert.match(
            (await messages("kubernetes-image-pinned", withImage("detector:latest"), { requireDigest: false }))[0],
            /moving tag "latest"/,
        );
        assert.match(
            (await messages("kubernetes-image-pinned", withImage("localhost:5000/detector"), { requireDigest: false }))[0],
            /neither tag nor digest/,
        );
        assert.match(
            (await messages("kubernetes-image-pinned", withImage("ghcr.io/org/detector:1.4.2")))[0],
            /not pinned by sha256 digest/,
        );
    });
});
