// npm run --silent docs:policies: regenerates docs/policies.md from the policy list and configs.
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../policies/policies";
import { runCommand } from "../src/cli/command";
import { policiesMarkdown } from "../src/policy/docs";

const file = path.resolve(__dirname, "../docs/policies.md");

runCommand(
    {
        invocation: "npm run --silent docs:policies --",
        summary: "Regenerates docs/policies.md from the policy pack and the per-stack configs (a test fails when it is stale).",
        options: {},
        maxPositionals: 0,
        examples: ["npm run --silent docs:policies"],
    },
    () => {
        fs.writeFileSync(file, policiesMarkdown(policies));
        process.stdout.write(`wrote ${path.relative(process.cwd(), file)} (${policies.length} policies)\n`);
        return 0;
    },
);
