// The program as `pulumi preview` runs it: under the SDK's own runner (@pulumi/pulumi/cmd/run),
// started with the language host's arguments and environment (scripts/program-run/language-host.ts,
// after sdk/nodejs/cmd/pulumi-language-nodejs/main.go of Pulumi v3.248.0), talking gRPC to a
// stand-in resource monitor that refuses what the engine refuses (scripts/program-run/engine.ts).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ResourceMonitorClient } from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { specialOutputValueSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import * as ts from "typescript";
import { parse, stringify } from "yaml";
import { downgradeOutputValues, StandInEngine, type Registration } from "../../scripts/program-run/engine";
import { nodeRuntimeOptions, previewUnderLanguageHost, programLocation, readProject } from "../../scripts/program-run/language-host";
import type { Plan } from "../../src/plan/run";
import { plan, stacks } from "../helpers/plan";

const root = path.resolve(__dirname, "../..");

/** "type name ← parent type parent name": identity without URNs, which the SDK's mocks form differently from the engine. */
function identities(resources: { urn: string; type: string; name: string; parent?: string }[], isRoot: (urn: string) => boolean): string[] {
    const byUrn = new Map(resources.map((r) => [r.urn, `${r.type} ${r.name}`]));
    return resources
        .map((r) => `${r.type} ${r.name} ← ${r.parent && !isRoot(r.parent) ? (byUrn.get(r.parent) ?? `unknown ${r.parent}`) : "stack"}`)
        .sort();
}

function fromRegistrations(registrations: Registration[]): string[] {
    const stack = registrations.find((r) => r.type === "pulumi:pulumi:Stack");
    assert.ok(stack, "the runner registers the stack resource first");
    return identities(
        registrations.filter((r) => r !== stack),
        (urn) => urn === stack.urn,
    );
}

function fromPlan(p: Plan): string[] {
    return identities(p.resources, () => false);
}

describe("the compiler settings the language host finds", () => {
    it("are the project's own, with type-checking left to tsc", () => {
        // What @pulumi/pulumi/cmd/run does: read PULUMI_NODEJS_TSCONFIG_PATH (runtime.options.tsconfig)
        // relative to the program directory with the SDK's own reader, which takes compilerOptions
        // literally; a "noCheck" there makes ts-node transpile only (run.ts, Pulumi PR #18067).
        const project = readProject(root);
        const runtime = nodeRuntimeOptions(project);
        assert.equal(runtime.typescript, true);
        assert.ok(runtime.tsconfig, "Pulumi.yaml names the tsconfig the host uses");
        const hostFile = path.resolve(programLocation(root, project).pwd, runtime.tsconfig);
        // tsutils ships no typings (its .d.ts exports nothing): required, with the one function typed here.
        const { loadTypeScriptCompilerOptions } = createRequire(__filename)("@pulumi/pulumi/tsutils") as {
            loadTypeScriptCompilerOptions(p: string): Record<string, unknown>;
        };
        const hostRaw = loadTypeScriptCompilerOptions(hostFile);
        assert.equal(hostRaw.noCheck, true);

        const parsed = ts.getParsedCommandLineOfConfigFile(
            path.join(root, "tsconfig.json"),
            {},
            {
                ...ts.sys,
                onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
            },
        );
        const { configFilePath: _path, ...checked } = parsed!.options;
        assert.equal(checked.noCheck, false, "npm test's tsc type-checks");
        const hosted = ts.convertCompilerOptionsFromJson(hostRaw, root).options;
        assert.deepEqual({ ...hosted, noCheck: false }, checked);
    });
});

describe("the program under @pulumi/pulumi/cmd/run, as a preview", function () {
    this.timeout(180_000);
    let cache: string;
    before(() => (cache = fs.mkdtempSync(path.join(os.tmpdir(), "ts-node-cache-"))));
    after(() => fs.rmSync(cache, { recursive: true, force: true }));

    for (const stack of stacks) {
        it(`${stack}: registers exactly the resources (type, name, parent) of the offline plan`, async () => {
            const run = await previewUnderLanguageHost({ stack, tsNodeCacheDirectory: cache });
            assert.equal(run.exitCode, 0, run.stderr);
            assert.deepEqual(run.errors, [], "no error logged by the program");
            assert.deepEqual(fromRegistrations(run.registrations), fromPlan(await plan(stack)));
        });
    }

    it("fails the way the CLI fails on a config mistake: exit code 32, one error naming the key, nothing registered", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-root-"));
        try {
            for (const f of ["Pulumi.yaml", "package.json", "tsconfig.pulumi.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
            fs.symlinkSync(path.join(root, "infra"), path.join(dir, "infra"));
            fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
            const stackFile = parse(fs.readFileSync(path.join(root, "Pulumi.local.yaml"), "utf8"));
            stackFile.config["pneumonia-platform:detector"].replicas = "three";
            fs.writeFileSync(path.join(dir, "Pulumi.local.yaml"), stringify(stackFile));
            const run = await previewUnderLanguageHost({ stack: "local", root: dir, tsNodeCacheDirectory: cache });
            // 32: the runner already showed the user an actionable message (cmd/run/index.ts).
            assert.equal(run.exitCode, 32, run.stderr);
            assert.equal(run.errors.length, 1, JSON.stringify(run.logs));
            assert.equal(run.errors[0]!.message, 'detector.replicas: expected an integer >= 1, got "three"');
            assert.deepEqual(
                run.registrations.map((r) => r.type),
                ["pulumi:pulumi:Stack"],
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("the stand-in resource monitor refuses what the engine refuses", () => {
    let engine: StandInEngine;
    let client: ResourceMonitorClient;
    const register = (
        type: string,
        name: string,
        fields: { parent?: string; provider?: string; custom?: boolean; remote?: boolean } = {},
    ) =>
        new Promise<resourceProto.RegisterResourceResponse>((resolve, reject) => {
            const req = new resourceProto.RegisterResourceRequest()
                .setType(type)
                .setName(name)
                .setCustom(fields.custom ?? true)
                .setRemote(fields.remote ?? false);
            if (fields.parent) req.setParent(fields.parent);
            if (fields.provider) req.setProvider(fields.provider);
            client.registerResource(req, (e, r) => (e ? reject(e) : resolve(r)));
        });

    before(async () => {
        engine = new StandInEngine({ project: "p", stack: "s", region: "eu-west-1", account: "123456789012" });
        client = new ResourceMonitorClient(await engine.start(), grpc.credentials.createInsecure());
    });
    after(async () => {
        client.close();
        await engine.stop();
    });

    it("forms URNs like the engine: parent types chained, the root stack's left out", async () => {
        const stack = await register("pulumi:pulumi:Stack", "p-s", { custom: false });
        const component = await register("pneumonia:platform:Detector", "detector", { parent: stack.getUrn(), custom: false });
        const child = await register("kubernetes:apps/v1:Deployment", "detector", { parent: component.getUrn() });
        assert.equal(component.getUrn(), "urn:pulumi:s::p::pneumonia:platform:Detector::detector");
        assert.equal(child.getUrn(), "urn:pulumi:s::p::pneumonia:platform:Detector$kubernetes:apps/v1:Deployment::detector");
        assert.equal(child.getId(), "", "a resource to be created has no ID in a preview");
    });

    it("refuses a duplicate URN, an unregistered parent, an unknown provider and a remote component it cannot construct", async () => {
        await register("random:index/randomPassword:RandomPassword", "pw");
        await assert.rejects(register("random:index/randomPassword:RandomPassword", "pw"), /Duplicate resource URN/);
        await assert.rejects(
            register("random:index/randomPassword:RandomPassword", "other", { parent: "urn:pulumi:s::p::x:y:Z::missing" }),
            /could not find parent resource/,
        );
        await assert.rejects(
            register("aws:s3/bucket:Bucket", "b", { provider: "urn:pulumi:s::p::pulumi:providers:aws::nowhere::id" }),
            /unknown provider/,
        );
        const provider = await register("pulumi:providers:aws", "aws");
        await register("aws:s3/bucket:Bucket", "b", { provider: `${provider.getUrn()}::04da6b54-80e4-46f7-96ec-b56ff0331ba9` });
        await assert.rejects(register("kubernetes:helm.sh/v4:Chart", "c", { custom: false, remote: true }), /remote component/);
    });

    it("hands a provider plain values for output values, unknown when they have none (source_eval.go downgradeOutputValues)", () => {
        const output = (fields: object) => ({ [specialSigKey]: specialOutputValueSig, ...fields });
        assert.deepEqual(
            downgradeOutputValues({
                a: output({ value: "x", dependencies: ["urn:a"] }),
                b: [output({})],
                c: output({ value: 1, secret: true }),
            }),
            { a: "x", b: [unknownValue], c: { [specialSigKey]: specialSecretSig, value: 1 } },
        );
    });
});
