// npm run local:down: removes what `npm run local:up` made: the kind cluster (and with it every
// resource of the local stack) and the stack's state in .pulumi/.
import { runCommand } from "../src/cli/command";
import { capture, clusterName, pulumiEnv, requireTools, run, runSteps, stackName, tools } from "./local-platform";

runCommand(
    {
        invocation: "npm run --silent local:down --",
        summary: `Deletes the kind cluster "${clusterName}" and the local stack's state (.pulumi/): everything npm run local:up made.`,
        options: {},
        maxPositionals: 0,
        examples: ["npm run local:down"],
        notes: ["Exit codes: 0 removed (or nothing to remove), 1 a step failed, 2 a tool is missing (nothing was changed)."],
    },
    async () => {
        requireTools([tools.kind, tools.pulumi]);
        const env = pulumiEnv();
        await runSteps("local:down", [
            {
                title: `kind cluster ${clusterName}`,
                run: async () => {
                    if (!capture("kind", ["get", "clusters"]).split("\n").includes(clusterName)) return "not there";
                    await run("kind", ["delete", "cluster", "--name", clusterName]);
                    return "deleted";
                },
            },
            {
                // Every resource of `local` lived in that cluster, so the state is dropped rather than
                // destroyed resource by resource against a cluster that no longer exists.
                title: `pulumi stack ${stackName} (state in .pulumi/)`,
                run: async () => {
                    const stacks = capture("pulumi", ["stack", "ls", "--json"], env);
                    const known = (JSON.parse(stacks || "[]") as Array<{ name: string }>).some((s) => s.name === stackName);
                    if (!known) return "not there";
                    await run("pulumi", ["stack", "rm", stackName, "--force", "--yes"], { env });
                    return "removed";
                },
            },
        ]);
        return 0;
    },
);
