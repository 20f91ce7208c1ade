// The comparison behind `npm run plan:snapshot -- DIR --compare DIR2`: the restructure's "plans
// byte for byte identical" rests on it, so it must report every kind of difference.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { compareSnapshots } from "../../scripts/plan-snapshot";

describe("plan:snapshot --compare", () => {
    let root: string;
    const write = (dir: string, file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, dir, file)), { recursive: true });
        fs.writeFileSync(path.join(root, dir, file), text);
    };
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-snapshot-"));
        for (const dir of ["a", "b"]) {
            write(dir, "local.json", '{"stack":"local"}\n');
            write(dir, "drill-staging.json", '{"stack":"dr-20260101-000000"}\n');
            write(dir, "out-local/prometheus/rules.yaml", "groups: []\n");
        }
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
    const compare = () => compareSnapshots(path.join(root, "a"), path.join(root, "b"));

    it("finds two identical snapshots identical, notes beside them (a COMMIT file) aside", () => {
        write("b", "COMMIT", "10d9ab2\n");
        assert.deepEqual(compare(), []);
    });

    it("lists a file whose bytes differ, however deep in an --out tree", () => {
        write("b", "out-local/prometheus/rules.yaml", "groups: [] \n");
        assert.deepEqual(compare(), [path.join("out-local", "prometheus", "rules.yaml")]);
    });

    it("lists a file only one side has, on either side", () => {
        write("a", "out-local/loki/rules.yaml", "x\n");
        write("b", "production.json", "{}\n");
        assert.deepEqual(compare(), [path.join("out-local", "loki", "rules.yaml"), "production.json"]);
    });
});
