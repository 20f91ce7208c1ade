// A Prometheus URL with credentials (the STAGING_PROMETHEUS_URL secret, docs/operations.md) against a
// real Prometheus behind basic auth (its --web.config.file, basic_auth_users). Node's fetch refuses a
// URL that includes credentials (WHATWG Fetch, Request constructor: TypeError), and its message
// repeats the URL; the tools send the credentials as a Basic Authorization header (RFC 7617) and
// mask them in every message. health, capacity-report and promote's load-test gate are each checked.
import * as assert from "node:assert/strict";
import { prometheusQuery as capacityQuery } from "../../../src/capacity/report";
import { maskCredentials, withoutCredentials } from "../../../src/cli/http";
import { fetchHttp, replicaLines } from "../../../src/health/checks";
import { prometheusQuery as loadTestQuery } from "../../../src/release/load-test-gate";
import { startScrapedPrometheus, type ScrapedPrometheus } from "../../helpers/prometheus";
import { scratchDir } from "../../infra/monitoring/helpers";
import { fakeHealthSettings } from "../health/fake-services";

// A test-only password and its bcrypt hash (libxcrypt's crypt(3) with a $2b$05$ salt).
const user = "staging-reader";
const password = "Pr0m-s3cret";
const bcryptHash = "$2b$05$pneumoniadetectortesteGMlpQoRrUlIT.jJh50XV.F3yN2k/4SC";

const settings = fakeHealthSettings([]);

describe("a Prometheus URL with credentials, against a real Prometheus behind basic auth", function () {
    this.timeout(60_000);
    const dir = scratchDir("prometheus-basic-auth");
    let prometheus: ScrapedPrometheus;
    let withPassword: (pw: string) => string;

    before(async () => {
        prometheus = await startScrapedPrometheus(dir.path, "kube-state-metrics", true, { basicAuth: { user, bcryptHash } });
        prometheus.expose(
            'kube_deployment_status_replicas_available{namespace="pneumonia",deployment="mlflow"} 1\nkube_deployment_spec_replicas{namespace="pneumonia",deployment="mlflow"} 1\n',
        );
        withPassword = (pw) => prometheus.url.replace("http://", `http://${user}:${encodeURIComponent(pw)}@`);
    });
    after(async () => {
        await prometheus.stop();
        dir.remove();
    });

    it("the server refuses a request without credentials (the gate is real)", async () => {
        assert.equal((await fetch(`${prometheus.url}/api/v1/query?query=up`)).status, 401);
    });

    it("health: the Prometheus lines are answered through the credentials, and never print them", async () => {
        const lines = await replicaLines(settings, { prometheus: withPassword(password) }, fetchHttp(5000));
        assert.ok(lines.length > 0);
        for (const line of lines) assert.doesNotMatch(line.value, /unreachable|credentials|HTTP 401/, JSON.stringify(line));
        assert.doesNotMatch(JSON.stringify(lines), new RegExp(password));
    });

    it("health: a wrong password fails the lines with the server's 401, masked", async () => {
        const lines = await replicaLines(settings, { prometheus: withPassword("wrong-Pa55") }, fetchHttp(5000));
        assert.ok(lines.every((l) => !l.ok));
        assert.match(lines[0]!.value, /HTTP 401|no JSON/);
        assert.doesNotMatch(JSON.stringify(lines), /wrong-Pa55/);
    });

    it("capacity-report's query: answered with credentials; refused without, the URL masked", async () => {
        const samples = await capacityQuery(withPassword(password))("vector(1)");
        assert.ok(samples.length > 0);
        await assert.rejects(capacityQuery(withPassword("wrong-Pa55"))("up"), (e: Error) => {
            assert.match(e.message, /^prometheus at http:\/\/staging-reader:\*\*\*@127\.0\.0\.1:\d+ refused a query \(HTTP 401/);
            return true;
        });
    });

    it("promote's load-test gate query: answered with credentials; a refusal names the URL masked", async () => {
        const samples = await loadTestQuery(withPassword(password))("vector(1)");
        assert.ok(samples.length > 0);
        await assert.rejects(loadTestQuery(withPassword("wrong-Pa55"))("up"), (e: Error) => {
            assert.match(e.message, /^Prometheus at http:\/\/staging-reader:\*\*\*@127\.0\.0\.1:\d+: /);
            assert.doesNotMatch(e.message, /wrong-Pa55/);
            return true;
        });
    });

    it("masks and moves credentials, percent-decoded, and leaves a plain URL alone", () => {
        assert.equal(
            maskCredentials("at https://u:p%40ss@host:9090/x and postgresql://a:b@db/c"),
            "at https://u:***@host:9090/x and postgresql://a:***@db/c",
        );
        const moved = withoutCredentials("https://u:p%40ss@host:9090/api");
        assert.equal(moved.url, "https://host:9090/api");
        assert.equal(moved.headers.Authorization, `Basic ${Buffer.from("u:p@ss").toString("base64")}`);
        assert.deepEqual(withoutCredentials("http://127.0.0.1:9090"), { url: "http://127.0.0.1:9090", headers: {} });
    });
});
