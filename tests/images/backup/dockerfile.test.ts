// The backup image trusts nothing from outside by name: base images by digest, the RDS CA bundle
// (verify-full's only trust anchor) by checksum. ADD --checksum is stable from Dockerfile syntax 1.6
// (https://github.com/moby/buildkit/releases/tag/dockerfile%2F1.6.0) and BuildKit expands build args
// in it (moby/buildkit frontend/dockerfile/instructions/commands.go, AddCommand.Expand).
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../../helpers/cli";

const dockerfile = readFileSync(path.join(repoRoot, "images/backup/Dockerfile"), "utf8");
/** Global ARG defaults (before the first FROM). */
const args = new Map([...dockerfile.split(/^FROM /m)[0]!.matchAll(/^ARG (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
const expand = (text: string) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? `\${${name}}`);

describe("backup image (images/backup/Dockerfile): pinned by content", () => {
    it("asks for Dockerfile syntax 1.6 or later (ADD --checksum)", () => {
        const syntax = /^# syntax=docker\/dockerfile:1\.(\d+)/.exec(dockerfile);
        assert.ok(syntax && Number(syntax[1]) >= 6, "first line must be # syntax=docker/dockerfile:1.6 or later");
    });

    it("names every base image by digest", () => {
        const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
        assert.equal(froms.length, 2);
        for (const from of froms) assert.match(from, /^\$\{NODE_IMAGE\}@\$\{NODE_IMAGE_DIGEST\}$|@sha256:[0-9a-f]{64}$/, from);
        const digest = args.get("NODE_IMAGE_DIGEST") ?? "";
        // Empty fails the build ("invalid reference format"); set, it must be a digest.
        assert.match(digest, /^$|^sha256:[0-9a-f]{64}$/);
    });

    it("downloads nothing without a checksum", () => {
        const adds = [...dockerfile.matchAll(/^ADD (.*)$/gm)].map((m) => m[1]!);
        assert.ok(adds.length > 0);
        for (const add of adds) {
            if (!/https?:\/\//.test(expand(add))) continue;
            assert.match(add, /--checksum=sha256:\$\{RDS_CA_BUNDLE_SHA256\}|--checksum=sha256:[0-9a-f]{64}/, add);
        }
        assert.match(args.get("RDS_CA_BUNDLE_SHA256") ?? "", /^$|^[0-9a-f]{64}$/);
        assert.equal(args.get("RDS_CA_BUNDLE_URL"), "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem");
        assert.doesNotMatch(dockerfile, /^RUN .*(curl|wget) /m, "no download around the checksum");
    });
});
