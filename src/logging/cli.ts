// npm run --silent logging:docs: rewrites docs/logging/runbooks/*.md from the log-based alert
// definitions (infra/logging/rules.ts); tests/infra/logging/rules.test.ts fails when they are stale.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runCommand } from "../cli/command";
import { logRunbookFiles } from "../../infra/logging/rules";

const root = join(__dirname, "..", "..");

runCommand(
    {
        invocation: "npm run --silent logging:docs --",
        summary: "Regenerates the runbooks of the log-based alerts (docs/logging/runbooks/<AlertName>.md).",
        options: {},
        maxPositionals: 0,
        examples: ["npm run --silent logging:docs"],
    },
    () => {
        const files = logRunbookFiles();
        for (const file of files) {
            mkdirSync(dirname(join(root, file.path)), { recursive: true });
            writeFileSync(join(root, file.path), file.content);
        }
        process.stdout.write(`wrote ${files.length} runbooks to docs/logging/runbooks\n`);
        return 0;
    },
);
