// Reads the detector's Rollout and its AnalysisRuns with kubectl, in the cluster a stack's file
// names (kubernetes.context / kubeconfig): what `waitForRollout` polls.
import { execFile } from "node:child_process";
import type { ClusterAccess } from "../health/port-forward";
import type { AnalysisRunObject, RolloutObject, RolloutReader } from "./rollout";

/** How to get kubectl, for requireTool's message. */
export const kubectlInstall = "https://kubernetes.io/docs/tasks/tools/, or set KUBECTL";

/** A kubectl failure: its first error line, and whether the API server said NotFound or Forbidden. */
export class KubectlError extends Error {
    override name = "KubectlError";
    constructor(
        message: string,
        public readonly reason: "NotFound" | "Forbidden" | "other",
    ) {
        super(message);
    }
}

/** Runs kubectl in the stack's cluster (its context and kubeconfig); resolves to stdout. */
export function kubectl(access: ClusterAccess, args: string[]): Promise<string> {
    const [command, ...leading] = access.kubectl;
    const full = [
        ...leading,
        ...(access.kubeconfig ? ["--kubeconfig", access.kubeconfig] : []),
        ...(access.context ? ["--context", access.context] : []),
        ...args,
    ];
    return new Promise((resolve, reject) => {
        execFile(command!, full, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (!error) return resolve(stdout);
            const line = stderr.split("\n").find((l) => l.trim() !== "") ?? error.message;
            const reason = /\(NotFound\)/.test(stderr) ? "NotFound" : /\(Forbidden\)/.test(stderr) ? "Forbidden" : "other";
            reject(new KubectlError(`kubectl ${args.join(" ")}: ${line}`, reason));
        });
    });
}

export async function kubectlJson(access: ClusterAccess, args: string[]): Promise<{ found: boolean; object?: unknown }> {
    let stdout: string;
    try {
        stdout = await kubectl(access, [...args, "--output", "json"]);
    } catch (e) {
        if (e instanceof KubectlError && e.reason === "NotFound") return { found: false };
        throw e;
    }
    try {
        return { found: true, object: JSON.parse(stdout) };
    } catch {
        throw new Error(`kubectl ${args.join(" ")}: output is not JSON`);
    }
}

export function kubectlRolloutReader(access: ClusterAccess, namespace: string, rollout = "detector"): RolloutReader {
    return {
        rollout: async () => {
            const { found, object } = await kubectlJson(access, ["--namespace", namespace, "get", "rollouts.argoproj.io", rollout]);
            if (!found) throw new Error(`no Rollout ${namespace}/${rollout}: is Argo Rollouts installed and the stack deployed?`);
            return object as RolloutObject;
        },
        analysisRun: async (name) => {
            const { found, object } = await kubectlJson(access, ["--namespace", namespace, "get", "analysisruns.argoproj.io", name]);
            return found ? (object as AnalysisRunObject) : undefined;
        },
    };
}
