// Release settings: the canary's traffic steps and how long its analysis watches a release, the
// staging load test that gates promotion, and whether the next release is a hotfix. The watch
// minutes and the load-test shape default to the manual's (infra/observability/objectives.ts); staging and local
// run the same steps faster. infra/config.ts composes this section under `release`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { releaseWatch } from "../observability/objectives";
import { bool, imageReference, int } from "../platform/schema";

const canarySchema = z
    .object({
        /** Canary traffic shares in percent, ascending, below 100; the rollout goes to 100 % after the last. */
        steps: z.array(int(1, 99)).min(1),
        /** Minutes the analysis watches a normal release, spread evenly over the steps. */
        normalMinutes: int(1),
        /** Minutes the analysis watches a hotfix (`npm run promote -- <stack> --hotfix`). */
        hotfixMinutes: int(1),
    })
    .strict();

const loadTestSchema = z
    .object({
        /** Run the load test after every deploy of this stack (staging: the gate `promote` checks). */
        enabled: bool,
        /** The manual's `ab -n 100 -c 5`: a fixed number of requests at a fixed concurrency. */
        requests: int(1),
        concurrency: int(1),
        /** Then a steady run at the expected peak: requests per second for this many minutes. */
        steadyMinutes: int(0),
        steadyRatePerSecond: int(1),
        /** grafana/k6, pinned. */
        image: imageReference,
    })
    .strict();

export const releaseConfigSchema = z
    .object({
        canary: canarySchema,
        /** Set by `npm run promote -- <stack> --hotfix` (and reset by a normal promote): watch for hotfixMinutes. */
        // `pulumi config set --path` may store the flag as the string "true" or "false".
        hotfix: z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), bool),
        loadTest: loadTestSchema,
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.canary.steps.some((step, i) => i > 0 && step <= c.canary.steps[i - 1]!)) {
            ctx.addIssue({ code: "custom", path: ["canary", "steps"], message: "ascending percentages, each below 100" });
        }
        if (c.canary.hotfixMinutes < c.canary.normalMinutes) {
            ctx.addIssue({
                code: "custom",
                path: ["canary", "hotfixMinutes"],
                message: `an integer >= release.canary.normalMinutes (${c.canary.normalMinutes})`,
            });
        }
    });
export type ReleaseConfig = z.infer<typeof releaseConfigSchema>;
export type CanaryConfig = ReleaseConfig["canary"];
export type LoadTestConfig = ReleaseConfig["loadTest"];

/** Pods a canary step may add above the count while it settles: never below serving capacity (maxUnavailable 0). */
export const canaryMaxSurge = 1;

/** grafana/k6 release the load-test Job runs (Docker Hub tag; the script uses only k6's stable modules). */
export const k6Image = "grafana/k6:1.4.2";

export function releaseDefaults(env: Environment): ReleaseConfig {
    const production = env === "production";
    return {
        // Production watches the manual's 15 (hotfix 30) minutes; staging and local the same way, faster.
        // Shares are pod shares (no traffic router): with 3 replicas and a surge of 1 the smallest canary is
        // 1 of 4 pods, so 10 % would run the same 1 + 3 pods as 25 % (infra/release/replica-split.ts). From
        // 25 %, each step moves one pod at 2-3 replicas. One local pod can only run 1 canary + 1 stable.
        canary: {
            steps: env === "local" ? [50] : [25, 50, 75],
            ...(production
                ? { normalMinutes: releaseWatch.normalMinutes, hotfixMinutes: releaseWatch.hotfixMinutes }
                : { normalMinutes: 3, hotfixMinutes: 6 }),
        },
        hotfix: false,
        loadTest: {
            enabled: env === "staging",
            requests: releaseWatch.loadTest.requests,
            concurrency: releaseWatch.loadTest.concurrency,
            steadyMinutes: 5,
            steadyRatePerSecond: 2,
            image: k6Image,
        },
    };
}
