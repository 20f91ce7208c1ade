// policies/index.ts served the way `pulumi preview --policy-pack policies` runs it (built, then
// under @pulumi/pulumi/cmd/run-policy-pack): a child process whose gRPC analyzer the test drives
// like the engine (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack). Its answers must be the in-process evaluator's, violation for violation.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { loadStackConfig, type PackConfig } from "../../src/policy/config";
import { evaluate, type InputResource, type Violation } from "../../src/policy/evaluate";
import { pack } from "../../src/policy/pack";
import { readResources } from "../../src/policy/resources";
import { buildPolicyPack, startPolicyPack, type RunningPolicyPack } from "../../scripts/program-run/policy-pack";
import { compliantPlatform, edit } from "./factory";

const root = path.resolve(__dirname, "../..");
const levels: Record<number, string> = { [proto.EnforcementLevel.ADVISORY]: "advisory", [proto.EnforcementLevel.MANDATORY]: "mandatory" };

function call<Req, Res>(method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => method(req, (e, r) => (e ? reject(e) : resolve(r))));
}

function options(r: InputResource): proto.AnalyzerResourceOptions {
    const o = new proto.AnalyzerResourceOptions();
    if (r.parent) o.setParent(r.parent);
    return o;
}

/** The engine's diagnostic in the evaluator's shape: its message is "<description>\n<detail>". */
function asViolation(d: proto.AnalyzeDiagnostic, fallbackUrn: string): Violation {
    const description = d.getDescription();
    const message = d.getMessage().startsWith(`${description}\n`) ? d.getMessage().slice(description.length + 1) : d.getMessage();
    return {
        policy: d.getPolicyname(),
        resource: d.getUrn() || fallbackUrn,
        level: levels[d.getEnforcementlevel()] as Violation["level"],
        message,
    };
}

/** Properties on the wire: the engine never sends undefined values. */
const struct = (props: Record<string, unknown>) => Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));

const byKey = (a: Violation, b: Violation) => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe("policies/index.ts under the engine's analyzer protocol", function () {
    this.timeout(120000);
    let server: RunningPolicyPack;
    let client: AnalyzerClient;
    let config: PackConfig;

    before(async () => {
        // Started as `pulumi preview --policy-pack policies` starts it: the pack's build, then
        // @pulumi/pulumi/cmd/run-policy-pack on its package.json "main" (see scripts/program-run/policy-pack.ts).
        buildPolicyPack();
        server = await startPolicyPack({ stack: "production" });
        client = new AnalyzerClient(server.address, grpc.credentials.createInsecure());
        config = loadStackConfig("production", pack.policies);
        const request = new proto.ConfigureAnalyzerRequest();
        for (const [name, settings] of config) {
            const policyConfig = new proto.PolicyConfig();
            policyConfig.setEnforcementlevel(proto.EnforcementLevel.MANDATORY);
            policyConfig.setProperties(Struct.fromJavaScript(settings.properties as never));
            request.getPolicyconfigMap().set(name, policyConfig);
        }
        await call(client.configure.bind(client), request);
    });

    after(() => {
        client?.close();
        server?.stop();
    });

    it("serves the pack with every policy, its severity and config schema", async () => {
        const info = await call<Empty, proto.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        assert.equal(info.getName(), pack.name);
        assert.equal(info.getVersion(), JSON.parse(fs.readFileSync(path.join(root, "policies/package.json"), "utf8")).version);
        assert.deepEqual(
            info.getPoliciesList().map((p) => p.getName()),
            pack.policies.map((p) => p.name),
        );
        for (const p of info.getPoliciesList()) {
            assert.equal(p.getEnforcementlevel(), proto.EnforcementLevel.MANDATORY, p.getName());
            assert.ok(p.getConfigschema()?.getProperties()?.toJavaScript().exemptions, p.getName());
        }
    });

    it("reports the same resource violations as the evaluator (the bad-resources file)", async () => {
        const resources = readResources(
            path.join(root, "tests/src/policy/fixtures/bad-resources.json"),
            "production",
            "pneumonia-platform",
        );
        const engine: Violation[] = [];
        for (const r of resources) {
            const request = new proto.AnalyzeRequest();
            request.setType(r.type).setName(r.name).setUrn(r.urn).setProperties(struct(r.props)).setOptions(options(r));
            const response = await call<proto.AnalyzeRequest, proto.AnalyzeResponse>(client.analyze.bind(client), request);
            engine.push(...response.getDiagnosticsList().map((d) => asViolation(d, r.urn)));
        }
        const resourcePolicies = pack.policies.filter((p) => "validateResource" in p);
        const local = (await evaluate({ ...pack, policies: resourcePolicies }, resources, config)).violations;
        assert.ok(engine.length >= 6);
        assert.deepEqual(engine.sort(byKey), local.sort(byKey));
    });

    it("reports the same stack violations as the evaluator", async () => {
        const resources = compliantPlatform()
            .filter((r) => r.type !== "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
            .map((r) =>
                r.type === "aws:s3/bucketVersioning:BucketVersioning"
                    ? edit(r, (p) => (p.versioningConfiguration.status = "Suspended"))
                    : r,
            );
        const request = new proto.AnalyzeStackRequest();
        for (const r of resources) {
            const resource = new proto.AnalyzerResource();
            resource.setType(r.type).setName(r.name).setUrn(r.urn).setProperties(struct(r.props)).setOptions(options(r));
            if (r.parent) resource.setParent(r.parent);
            request.addResources(resource);
        }
        const response = await call<proto.AnalyzeStackRequest, proto.AnalyzeResponse>(client.analyzeStack.bind(client), request);
        const engine = response.getDiagnosticsList().map((d) => asViolation(d, "(stack)"));
        const stackPolicies = pack.policies.filter((p) => "validateStack" in p);
        const local = (await evaluate({ ...pack, policies: stackPolicies }, resources, config)).violations;
        // One versioning violation per bucket of the fixture: artifacts, backups, the evidence bucket.
        assert.deepEqual(engine.map((v) => v.policy).sort(), [
            "s3-bucket-versioning",
            "s3-bucket-versioning",
            "s3-bucket-versioning",
            "stack-service-and-monitor",
        ]);
        assert.deepEqual(engine.sort(byKey), local.sort(byKey));
    });
});
