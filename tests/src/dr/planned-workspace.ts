// A DR workspace double that refuses what the Pulumi engine and AWS refuse, derived from the real
// plans: `createStack` plans the program with the config the drill hands it (the same program a
// real `pulumi up` runs); `up` fails on a global or cluster-scoped name the source already holds
// (S3 BucketAlreadyExists, IAM EntityAlreadyExists, Kubernetes AlreadyExists, Helm "cannot re-use
// a name"/"exists and cannot be imported", a host port already bound on every node); `destroy`
// fails on what src/dr/plan.ts `undeletable` finds, each rule cited there from Pulumi's and AWS's
// documentation (protect, retainOnDelete, RDS DeletionProtection, S3 DeleteBucket on a non-empty
// bucket, Object Lock).
import type { Plan } from "../../../src/plan/run";
import { planStackConfig, sharedNames, stackFileConfig, undeletable } from "../../../src/dr/plan";
import type { ConfigMap, DrWorkspace, SourceStack } from "../../../src/dr/workspace";

export class PlannedWorkspace implements DrWorkspace {
    drill?: Plan;
    calls: string[] = [];
    destroyed: string[] = [];

    constructor(
        private readonly source: Plan,
        private readonly options: {
            /** Called while `up` runs, e.g. to move a test clock. */
            duringUp?: () => void;
            /** Changes the config the drill hands over (e.g. to rebuild the old design). */
            alter?: (config: ConfigMap) => ConfigMap;
            sourceConfig?: ConfigMap;
            /** Makes `configure` fail as the CLI would (e.g. a backend that refuses the write). */
            configureFails?: string;
        } = {},
    ) {}

    async readSource(stack: string): Promise<SourceStack> {
        if (stack !== this.source.stack) throw new Error(`no stack named ${stack}`);
        return {
            name: stack,
            config: this.options.sourceConfig ?? stackFileConfig(stack),
            outputs: this.source.outputs,
            secretsProvider: "awskms://alias/pneumonia-production?region=eu-west-1",
        };
    }

    async initStack(stack: string) {
        this.calls.push(`create ${stack}`);
    }

    async configure(stack: string, _source: SourceStack, config: ConfigMap) {
        this.calls.push(`configure ${stack}`);
        if (this.options.configureFails) throw new Error(this.options.configureFails);
        this.drill = await planStackConfig(this.source.stack, stack, this.options.alter ? this.options.alter(config) : config);
    }

    async up(stack: string, _source: string, onOutput: (line: string) => void, signal?: AbortSignal) {
        this.calls.push(`up ${stack}`);
        onOutput(`Updating (${stack})`);
        this.options.duringUp?.();
        // The Automation API sends the CLI SIGINT on abort; the CLI cancels the update and exits non-zero.
        if (signal?.aborted) throw new Error("update canceled");
        const taken = sharedNames(this.source, this.drill!);
        if (taken.length > 0) {
            throw new Error(`${taken.length} resources failed: ${taken.map((n) => `${n.kind} ${n.name} already exists`).join(", ")}`);
        }
        return this.drill!.outputs;
    }

    async destroy(stack: string) {
        this.calls.push(`destroy ${stack}`);
        // A stack whose config never landed holds nothing: destroy and stack rm succeed.
        const refused = this.drill ? undeletable(this.drill) : [];
        if (refused.length > 0) throw new Error(`${refused[0]!.urn}: ${refused[0]!.reason}`);
        this.destroyed.push(stack);
    }
}
