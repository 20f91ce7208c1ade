import * as assert from "node:assert/strict";
import * as path from "node:path";
import { kubectlRolloutReader } from "../../../src/release/kubectl";
import { tsxNode } from "../../helpers/cli";

const kubectl = [...tsxNode, path.join(__dirname, "fake-kubectl-get.ts")];

describe("release: reading the Rollout with kubectl", function () {
    this.timeout(30_000);
    const rollout = { metadata: { generation: 3 }, status: { phase: "Healthy", observedGeneration: "3" } };

    function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
        const saved = { ...process.env };
        Object.assign(process.env, env);
        return run().finally(() => {
            for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
            Object.assign(process.env, saved);
        });
    }

    it("reads the Rollout and an AnalysisRun in the stack's context and namespace", async () => {
        await withEnv(
            {
                FAKE_KUBECTL_CONTEXT: "ctx-production",
                FAKE_KUBECTL_OBJECTS: JSON.stringify({
                    "rollouts.argoproj.io/pneumonia/detector": rollout,
                    "analysisruns.argoproj.io/pneumonia/run-1": { status: { phase: "Failed" } },
                }),
            },
            async () => {
                const reader = kubectlRolloutReader({ kubectl, context: "ctx-production" }, "pneumonia");
                assert.deepEqual(await reader.rollout(), rollout);
                assert.deepEqual(await reader.analysisRun("run-1"), { status: { phase: "Failed" } });
                assert.equal(await reader.analysisRun("gone"), undefined);
            },
        );
    });

    it("fails with one line when the Rollout is missing or the context is wrong", async () => {
        await withEnv({ FAKE_KUBECTL_CONTEXT: "ctx-production", FAKE_KUBECTL_OBJECTS: "{}" }, async () => {
            await assert.rejects(
                kubectlRolloutReader({ kubectl, context: "ctx-production" }, "pneumonia").rollout(),
                /^Error: no Rollout pneumonia\/detector: is Argo Rollouts installed/,
            );
            await assert.rejects(
                kubectlRolloutReader({ kubectl, context: "ctx-staging" }, "pneumonia").rollout(),
                /: error: context "ctx-staging" does not exist$/,
            );
        });
    });
});
