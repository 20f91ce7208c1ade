// A command built on the shared wrapper, run as a child process by command.test.ts: what it does
// is chosen by its arguments, so each exit path of runCommand can be observed from outside.
import { CheckFailedError, runCommand, UsageError } from "../../../src/cli/command";

runCommand(
    {
        invocation: "npm run --silent demo --",
        positionals: "<what>",
        summary: "Exercises every exit path of the shared CLI wrapper.",
        options: {
            json: { type: "boolean", description: "print JSON" },
            out: { type: "string", value: "DIR", description: "where to write" },
        },
        minPositionals: 1,
        maxPositionals: 1,
        examples: ["npm run --silent demo -- ok --out out/demo"],
        notes: ["Nothing here touches the network."],
    },
    ({ positionals: [what], values }) => {
        switch (what) {
            case "ok":
                process.stdout.write(`${JSON.stringify(values)}\n`);
                return 0;
            case "check":
                throw new CheckFailedError("2 of 5 checks failed: latency, disk");
            case "usage":
                throw new UsageError('stack "qa": no Pulumi.qa.yaml');
            case "bug":
                // An unexpected error, as a library would throw it: multi-line and with a stack.
                throw new TypeError("Cannot read properties of undefined (reading 'x')\n    at somewhere");
            case "async":
                return Promise.reject(Object.assign(new Error("EACCES: permission denied, mkdir '/proc/x'"), { code: "EACCES" }));
            default:
                throw new UsageError(`unknown thing "${what}"`);
        }
    },
);
