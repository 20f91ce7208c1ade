import * as assert from "node:assert/strict";
import { messages } from "../check";
import { edit, monitoringRelease } from "../factory";

describe("kubernetes/helm-chart-pinned", () => {
    it("passes an exact chart version", async () => {
        assert.deepEqual(await messages("kubernetes-helm-chart-pinned", [monitoringRelease("75.15.1")]), []);
    });
    it("flags a range or no version", async () => {
        assert.match(
            (await messages("kubernetes-helm-chart-pinned", [monitoringRelease("^75.0.0")]))[0],
            /does not pin an exact version \(\^75\.0\.0\)/,
        );
        assert.match(
            (await messages("kubernetes-helm-chart-pinned", [edit(monitoringRelease(), (p) => delete p.version)]))[0],
            /\(unset\)/,
        );
    });
});
