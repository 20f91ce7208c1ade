// A stand-in for the Pulumi engine's resource monitor and engine services during a preview, so
// that the program can run under the SDK's own runner (`@pulumi/pulumi/cmd/run`) without the CLI.
//
// It follows the engine of Pulumi v3.248.0 (github.com/pulumi/pulumi, tag v3.248.0):
// - pkg/resource/deploy/source_eval.go, resmon.supportsFeatureID: the features it answers true;
// - pkg/resource/deploy/deployment.go generateURN and sdk/go/common/resource/urn.go: URNs are
//   urn:pulumi:<stack>::<project>::<parent type$>type::<name>, the root stack's type omitted;
// - pkg/resource/deploy/step_generator.go: it refuses a parent that is not registered yet
//   ("could not find parent resource") and a URN registered twice ("Duplicate resource URN");
// - source_eval.go getProviderReference: a provider reference must name a registered provider;
// - source_eval.go RegisterResource: output values are downgraded before a provider sees them.
// It cannot run a provider, so it refuses a remote component (whose children a provider's
// Construct would register) rather than register it empty.
// Preview semantics: a custom resource's outputs are what its provider would echo in a preview
// (its inputs) and its ID is unknown; invokes are answered as the offline plan's mocks answer
// them (src/plan/mocks.ts), so both runs see the same provider data.
import * as grpc from "@grpc/grpc-js";
import * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import * as resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { specialOutputValueSig, specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { mockCall } from "../../src/plan/mocks";

const stackType = "pulumi:pulumi:Stack";
const providerTypePrefix = "pulumi:providers:";

/** Features the v3.248.0 resource monitor reports as supported (source_eval.go supportsFeatureID). */
const supportedFeatures = new Set([
    "secrets",
    "resourceReferences",
    "outputValues",
    "aliasSpecs",
    "replacementTrigger",
    "deletedWith",
    "replaceWith",
    "transforms",
    "invokeTransforms",
    "parameterization",
    "resourceHooks",
    "errorHooks",
    "sendsOptionsToHooks",
]);

export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** URN of the parent as the program sent it; empty for the stack itself. */
    parent: string;
    custom: boolean;
    /** Milliseconds since the engine was created, when the request arrived. */
    at: number;
    /** CPU time (user + system, ms) the program had used when the request arrived, if sampled. */
    programCpuMs?: number;
}

export interface LogEntry {
    severity: "debug" | "info" | "warning" | "error";
    message: string;
    urn: string;
}

const severities: Record<number, LogEntry["severity"]> = {
    [engineProto.LogSeverity.DEBUG]: "debug",
    [engineProto.LogSeverity.INFO]: "info",
    [engineProto.LogSeverity.WARNING]: "warning",
    [engineProto.LogSeverity.ERROR]: "error",
};

type Callback<T> = grpc.sendUnaryData<T>;
type Call<T> = grpc.ServerUnaryCall<T, unknown>;

function refuse<T>(callback: Callback<T>, message: string): void {
    callback({ code: grpc.status.INVALID_ARGUMENT, details: message, name: "Error", message } as grpc.ServiceError, null);
}

/**
 * What the engine forwards to a provider: an output value becomes its plain value, unknown when
 * it has none, wrapped as a secret when it is one (source_eval.go downgradeOutputValues).
 */
export function downgradeOutputValues(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(downgradeOutputValues);
    if (value === null || typeof value !== "object") return value;
    const object = value as Record<string, unknown>;
    if (object[specialSigKey] === specialOutputValueSig) {
        const plain = "value" in object ? downgradeOutputValues(object.value) : unknownValue;
        return object.secret ? { [specialSigKey]: specialSecretSig, value: plain } : plain;
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, downgradeOutputValues(v)]));
}

export interface StandInEngineOptions {
    project: string;
    stack: string;
    /** The region the offline plan's mocks answer AWS invokes with. */
    region: string;
    /** The account they answer caller-identity with: the one the stack's config names. */
    account: string;
}

/** One gRPC server on 127.0.0.1 serving both pulumirpc.ResourceMonitor and pulumirpc.Engine. */
export class StandInEngine {
    readonly registrations: Registration[] = [];
    readonly logs: LogEntry[] = [];
    readonly invokes: string[] = [];
    private readonly server = new grpc.Server();
    private readonly created = process.hrtime.bigint();
    /** Type of every registered URN. */
    private readonly types = new Map<string, string>();
    private rootResource = "";
    /** Set by whoever started the program: its CPU time so far, sampled at each registration. */
    sampleProgramCpu?: () => number | undefined;
    private port = 0;

    constructor(private readonly options: StandInEngineOptions) {
        this.server.addService(resourceGrpc.ResourceMonitorService, {
            supportsFeature: (call: Call<resourceProto.SupportsFeatureRequest>, cb: Callback<resourceProto.SupportsFeatureResponse>) =>
                cb(null, new resourceProto.SupportsFeatureResponse().setHassupport(supportedFeatures.has(call.request.getId()))),
            registerResource: (call: Call<resourceProto.RegisterResourceRequest>, cb: Callback<resourceProto.RegisterResourceResponse>) =>
                this.registerResource(call.request, cb),
            registerResourceOutputs: (call: Call<resourceProto.RegisterResourceOutputsRequest>, cb: Callback<Empty>) =>
                this.types.has(call.request.getUrn()) ? cb(null, new Empty()) : refuse(cb, `unknown resource ${call.request.getUrn()}`),
            readResource: (call: Call<resourceProto.ReadResourceRequest>, cb: Callback<resourceProto.ReadResourceResponse>) =>
                this.readResource(call.request, cb),
            invoke: (call: Call<resourceProto.ResourceInvokeRequest>, cb: Callback<providerProto.InvokeResponse>) =>
                this.invoke(call.request, cb),
            signalAndWaitForShutdown: (_call: Call<Empty>, cb: Callback<Empty>) => cb(null, new Empty()),
        });
        this.server.addService(engineGrpc.EngineService, {
            log: (call: Call<engineProto.LogRequest>, cb: Callback<Empty>) => {
                const r = call.request;
                this.logs.push({ severity: severities[r.getSeverity()] ?? "info", message: r.getMessage(), urn: r.getUrn() });
                cb(null, new Empty());
            },
            getRootResource: (_call: Call<engineProto.GetRootResourceRequest>, cb: Callback<engineProto.GetRootResourceResponse>) =>
                cb(null, new engineProto.GetRootResourceResponse().setUrn(this.rootResource)),
            setRootResource: (call: Call<engineProto.SetRootResourceRequest>, cb: Callback<engineProto.SetRootResourceResponse>) => {
                this.rootResource = call.request.getUrn();
                cb(null, new engineProto.SetRootResourceResponse());
            },
        });
    }

    /** Binds to a free port on 127.0.0.1; returns the address to pass as --monitor and --engine. */
    async start(): Promise<string> {
        this.port = await new Promise<number>((resolve, reject) =>
            this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))),
        );
        return this.address;
    }

    get address(): string {
        return `127.0.0.1:${this.port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
    }

    /** Errors the program logged (a failed program logs its error before it exits). */
    get errors(): LogEntry[] {
        return this.logs.filter((l) => l.severity === "error");
    }

    /** Milliseconds since the engine was created: the clock of every `Registration.at`. */
    elapsed(): number {
        return Number(process.hrtime.bigint() - this.created) / 1e6;
    }

    private urnOf(parent: string, type: string, name: string): string {
        const parentType = parent && this.types.get(parent) !== stackType ? `${qualifiedType(parent)}$` : "";
        return `urn:pulumi:${this.options.stack}::${this.options.project}::${parentType}${type}::${name}`;
    }

    /** The checks the engine makes before it accepts a registration; a message when it would refuse. */
    private refusal(type: string, name: string, parent: string, providers: string[]): string | undefined {
        if (!/^[^:]+:[^:]*:[^:]+$/.test(type)) return `invalid resource type "${type}"`;
        if (!name) return `resource of type ${type} has no name`;
        if (parent && !this.types.has(parent)) return `could not find parent resource ${parent}`;
        for (const ref of providers) {
            const providerUrn = ref.split("::").slice(0, -1).join("::");
            if (!this.types.has(providerUrn) || !this.types.get(providerUrn)?.startsWith(providerTypePrefix))
                return `unknown provider '${ref}'`;
        }
        const urn = this.urnOf(parent, type, name);
        if (this.types.has(urn)) return `Duplicate resource URN '${urn}'; try giving it a unique name`;
        return undefined;
    }

    private record(type: string, name: string, parent: string, custom: boolean, at: number): string {
        const urn = this.urnOf(parent, type, name);
        this.types.set(urn, type);
        this.registrations.push({ urn, type, name, parent, custom, at, programCpuMs: this.sampleProgramCpu?.() });
        return urn;
    }

    private registerResource(r: resourceProto.RegisterResourceRequest, cb: Callback<resourceProto.RegisterResourceResponse>): void {
        const at = this.elapsed();
        // The engine would run the provider's Construct for a remote component; a stand-in cannot, so it says so.
        if (r.getRemote())
            return refuse(cb, `remote component ${r.getType()} ${r.getName()}: the stand-in engine runs no provider's Construct`);
        const providers = [
            r.getProvider(),
            ...r
                .getProvidersMap()
                .toArray()
                .map(([, ref]) => ref as string),
        ].filter(Boolean);
        const refused = this.refusal(r.getType(), r.getName(), r.getParent(), providers);
        if (refused) return refuse(cb, refused);
        const urn = this.record(r.getType(), r.getName(), r.getParent(), r.getCustom(), at);
        const response = new resourceProto.RegisterResourceResponse().setUrn(urn);
        if (r.getCustom()) {
            // A resource the preview would create: its ID is unknown, its outputs what the provider echoes.
            const inputs = downgradeOutputValues(r.getObject()?.toJavaScript() ?? {});
            response.setId("").setObject(Struct.fromJavaScript(inputs as Record<string, never>));
        }
        cb(null, response);
    }

    private readResource(r: resourceProto.ReadResourceRequest, cb: Callback<resourceProto.ReadResourceResponse>): void {
        const at = this.elapsed();
        const refused = this.refusal(r.getType(), r.getName(), r.getParent(), [r.getProvider()].filter(Boolean));
        if (refused) return refuse(cb, refused);
        const urn = this.record(r.getType(), r.getName(), r.getParent(), true, at);
        cb(null, new resourceProto.ReadResourceResponse().setUrn(urn).setProperties(r.getProperties() ?? new Struct()));
    }

    private invoke(r: resourceProto.ResourceInvokeRequest, cb: Callback<providerProto.InvokeResponse>): void {
        const token = r.getTok();
        this.invokes.push(token);
        const provider = r.getProvider();
        if (provider && !this.types.has(provider.split("::").slice(0, -1).join("::"))) return refuse(cb, `unknown provider '${provider}'`);
        const inputs = (r.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        const result = mockCall({ token, inputs, provider }, this.options.region, this.options.account);
        cb(null, new providerProto.InvokeResponse().setReturn(Struct.fromJavaScript(result as Record<string, never>)));
    }
}

/** The type part of a URN, with its parents' types: what a child's URN is prefixed with. */
function qualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}
