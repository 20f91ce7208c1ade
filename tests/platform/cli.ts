// npm run --silent check:platform -- <stack>...: the whole-platform check (tests/platform/check.ts). It lives with
// the tests because it is built from their helpers (the plan, the schema validators, the IAM evaluator).
import { runCommand } from "../../src/cli/command";
import { checkPlatformCommand, runCheckPlatform } from "./check";

runCommand(checkPlatformCommand, ({ positionals, values }) =>
    runCheckPlatform(positionals, values.json === true, (text) => process.stdout.write(text)),
);
