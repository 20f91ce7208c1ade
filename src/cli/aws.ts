// The AWS CLI, for what the repository has no SDK client for (EC2 snapshots, IAM reads): run without
// a shell, JSON out, a failure as one line. AWS_CLI overrides the command (tests, a wrapper).
import { execFile } from "node:child_process";
import { CheckFailedError, requireTool } from "./command";

export const awsCliInstall = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html, or set AWS_CLI";

/** The AWS CLI command to run, checked to exist. */
export function awsCliCommand(): string[] {
    const command = (process.env.AWS_CLI ?? "aws").split(" ");
    requireTool(command[0]!, awsCliInstall, "the AWS CLI");
    return command;
}

export function awsCli(command: string[], args: string[]): Promise<unknown> {
    const [program, ...leading] = command;
    return new Promise((resolve, reject) => {
        execFile(program!, [...leading, ...args, "--output", "json"], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error)
                return reject(
                    new CheckFailedError(
                        `aws ${args.slice(0, 2).join(" ")}: ${stderr.split("\n").find((l) => l.trim() !== "") ?? error.message}`,
                    ),
                );
            resolve(JSON.parse(stdout || "null"));
        });
    });
}
