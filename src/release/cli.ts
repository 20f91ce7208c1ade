// npm run promote -- [--from staging] [--to production] [--image repo@sha256:…] [--dry-run]
// npm run rollback -- <stack> [--to repo@sha256:…] [--list] [--dry-run]
// tsx src/release/cli.ts cluster <stack>   (region= and cluster= lines for $GITHUB_OUTPUT)
import { parseArgs } from "node:util";
import { ReleaseError } from "./image";
import { promote } from "./promote";
import { releases, rollback } from "./rollback";
import { openAutomationStack, type OpenStack } from "./stack";
import { readStackFile } from "./stack-file";
import { releaseVerifier } from "./verify";

const usage = {
    promote: "usage: npm run promote -- [--from staging] [--to production] [--image repo@sha256:<digest>] [--dry-run]",
    rollback: "usage: npm run rollback -- <stack> [--to repo@sha256:<digest>] [--list] [--dry-run]",
    cluster: "usage: tsx src/release/cli.ts cluster <stack>",
};

export async function main(argv: string[], open: OpenStack, out: (line: string) => void, verifier?: typeof releaseVerifier): Promise<number> {
    const [command, ...rest] = argv;
    if (command === "promote") {
        const { values } = parseArgs({
            args: rest,
            options: { from: { type: "string", default: "staging" }, to: { type: "string", default: "production" }, image: { type: "string" }, "dry-run": { type: "boolean", default: false } },
        });
        const result = await promote(open, { from: values.from, to: values.to, image: values.image, dryRun: values["dry-run"], verify: verifier?.(open, { from: values.from, to: values.to, dryRun: values["dry-run"] }) });
        if (!result.changed) out(`${values.to}: detector.image is already ${result.image}`);
        else out(`${values.to}: detector.image ${result.previous ?? "(unset)"} -> ${result.image}${values["dry-run"] ? " (dry run, nothing written)" : ""}`);
        return 0;
    }
    if (command === "rollback") {
        const { values, positionals } = parseArgs({
            args: rest,
            allowPositionals: true,
            options: { to: { type: "string" }, list: { type: "boolean", default: false }, "dry-run": { type: "boolean", default: false } },
        });
        if (positionals.length !== 1) throw new ReleaseError(usage.rollback);
        const stack = await open(positionals[0]);
        if (values.list) {
            for (const r of releases(await stack.history())) out(`${r.deployedAt.toISOString()}  update ${r.version}  ${r.image}`);
            return 0;
        }
        const result = await rollback(stack, { to: values.to, dryRun: values["dry-run"], log: out });
        out(`${stack.name}: detector ${result.from} -> ${result.to}${values["dry-run"] ? " (dry run, nothing changed)" : ""}`);
        return 0;
    }
    if (command === "cluster") {
        // The pipeline logs into AWS and the cluster before it can reach any Pulumi backend: read the stack file.
        const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
        if (positionals.length !== 1) throw new ReleaseError(usage.cluster);
        const config = readStackFile(positionals[0]);
        if (!config.aws || !config.cluster) throw new ReleaseError(`stack ${positionals[0]}: no aws and cluster sections: not an EKS stack`);
        out(`region=${config.aws.region}`);
        out(`cluster=${config.cluster.name}`);
        return 0;
    }
    throw new ReleaseError(`${usage.promote}\n${usage.rollback}\n${usage.cluster}`);
}

if (require.main === module) {
    main(process.argv.slice(2), openAutomationStack, (line) => console.log(line), releaseVerifier).then(
        (code) => process.exit(code),
        (e: Error) => {
            // Argument errors and ReleaseErrors are already one line; anything else is the CLI's or the Automation API's.
            console.error(e instanceof ReleaseError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? e.message : `release: ${e.message.split("\n")[0]}`);
            process.exit(1);
        },
    );
}
