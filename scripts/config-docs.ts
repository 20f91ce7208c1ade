// npm run --silent docs:config: regenerates docs/config-reference.md from the config schemas.
import * as fs from "node:fs";
import * as path from "node:path";
import { bootstrapSchema } from "../bootstrap/config";
import { runCommand } from "../src/cli/command";
import { configReferenceMarkdown } from "../src/config-reference/markdown";

const file = path.resolve(__dirname, "../docs/config-reference.md");

runCommand(
    {
        invocation: "npm run --silent docs:config --",
        summary: "Regenerates docs/config-reference.md from the stack config schemas (a test fails when it is stale).",
        options: {},
        maxPositionals: 0,
        examples: ["npm run --silent docs:config"],
    },
    () => {
        fs.writeFileSync(file, configReferenceMarkdown({ schema: bootstrapSchema }));
        process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
        return 0;
    },
);
