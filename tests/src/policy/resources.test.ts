import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseResources, readResources, ResourcesFileError } from "../../../src/policy/resources";

const parse = (document: unknown) => parseResources(document, "r.json", "production", "pneumonia-platform");

describe("src/policy/resources", () => {
    it("gives each resource the URN the engine would, parent types included", () => {
        const [component, bucket] = parse([
            { type: "pneumonia:storage:SecureBucket", name: "backups", props: {} },
            {
                type: "aws:s3/bucket:Bucket",
                name: "backups",
                props: { bucketPrefix: "backups-" },
                parent: "urn:pulumi:production::pneumonia-platform::pneumonia:storage:SecureBucket::backups",
            },
        ]);
        assert.equal(component.urn, "urn:pulumi:production::pneumonia-platform::pneumonia:storage:SecureBucket::backups");
        assert.equal(bucket.urn, "urn:pulumi:production::pneumonia-platform::pneumonia:storage:SecureBucket$aws:s3/bucket:Bucket::backups");
        assert.equal(bucket.parent, component.urn);
    });

    it("accepts a parent by resource name, and the plan's JSON (inputs instead of props)", () => {
        const [, child] = parse({
            stack: "production",
            resources: [
                { type: "pneumonia:platform:Detector", name: "detector", inputs: {} },
                { type: "kubernetes:core/v1:Service", name: "svc", inputs: { kind: "Service" }, parent: "detector" },
            ],
        });
        assert.equal(child.urn, "urn:pulumi:production::pneumonia-platform::pneumonia:platform:Detector$kubernetes:core/v1:Service::svc");
        assert.deepEqual(child.props, { kind: "Service" });
    });

    it("names the file and entry of every mistake", () => {
        const cases: [unknown, RegExp][] = [
            [{}, /^r\.json: expected a JSON array of resources/],
            [[1], /^r\.json: resources\[0\]: expected an object$/],
            [[{ type: "t" }], /^r\.json: resources\[0\]\.name: expected a non-empty string$/],
            [[{ type: "t", name: "n", props: [] }], /^r\.json: resources\[0\]\.props: expected an object$/],
            [[{ type: "t", name: "n", parent: 3 }], /^r\.json: resources\[0\]\.parent: expected a string$/],
            [[{ type: "t", name: "n", parent: "ghost" }], /^r\.json: resources\[0\]\.parent: "ghost" is neither a URN nor the name/],
            [
                [
                    { type: "t", name: "n" },
                    { type: "t", name: "n" },
                ],
                /^r\.json: resources\[1\]: a second resource with URN urn:pulumi:production::pneumonia-platform::t::n$/,
            ],
        ];
        for (const [document, message] of cases) {
            assert.throws(
                () => parse(document),
                (e: Error) => e instanceof ResourcesFileError && message.test(e.message),
            );
        }
    });

    it("reports unreadable and malformed files", () => {
        assert.throws(() => readResources("/nonexistent/r.json", "production", "p"), /\/nonexistent\/r\.json: cannot read: ENOENT/);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-resources-")), "r.json");
        fs.writeFileSync(file, "[{");
        assert.throws(() => readResources(file, "production", "p"), /r\.json: not valid JSON/);
    });
});
