// Reads the detector's Rollout and its AnalysisRuns with kubectl, in the cluster a stack's file
// names (kubernetes.context / kubeconfig): what `waitForRollout` polls.
import { execFile } from "node:child_process";
import type { ClusterAccess } from "../health/port-forward";
import type { AnalysisRunObject, RolloutObject, RolloutReader } from "./rollout";

/** How to get kubectl, for requireTool's message. */
export const kubectlInstall = "https://kubernetes.io/docs/tasks/tools/, or set KUBECTL";

function kubectlJson(access: ClusterAccess, args: string[]): Promise<{ found: boolean; object?: unknown }> {
    const [command, ...leading] = access.kubectl;
    const full = [
        ...leading,
        ...(access.kubeconfig ? ["--kubeconfig", access.kubeconfig] : []),
        ...(access.context ? ["--context", access.context] : []),
        ...args,
        "--output",
        "json",
    ];
    return new Promise((resolve, reject) => {
        execFile(command!, full, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error) {
                if (/NotFound/.test(stderr)) return resolve({ found: false });
                const line = stderr.split("\n").find((l) => l.trim() !== "") ?? error.message;
                return reject(new Error(`kubectl ${args.join(" ")}: ${line}`));
            }
            try {
                resolve({ found: true, object: JSON.parse(stdout) });
            } catch {
                reject(new Error(`kubectl ${args.join(" ")}: output is not JSON`));
            }
        });
    });
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
