// npm run --silent check:platform -- <stack>...: the whole-platform check (tests/platform/check.ts).
import { runCommand } from "../src/cli/command";
import { checkPlatformCommand, runCheckPlatform } from "../tests/platform/check";

runCommand(checkPlatformCommand, ({ positionals, values }) => runCheckPlatform(positionals, values.json === true, (text) => process.stdout.write(text)));
