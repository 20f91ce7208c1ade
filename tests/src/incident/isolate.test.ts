// `npm run incident -- isolate|release`, as the incident-responder ClusterRole (infra/security/quarantine.ts), against a recording kubectl that refuses what the API server
// refuses (tests/src/incident/recording-kubectl.ts), in the production stack's context.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { databaseClientLabel, selectorLabels } from "../../../infra/platform/labels";
import { quarantineAnnotations, quarantineLabel, quarantinePolicySpec, responderRules } from "../../../infra/security/quarantine";
import { exitCodes, parseCommandArgs, type ParsedArgs } from "../../../src/cli/command";
import { runIncident, spec } from "../../../src/incident/cli";
import { tsxNode } from "../../helpers/cli";

const kubectl = [...tsxNode, path.join(__dirname, "recording-kubectl.ts")];
const context = "arn:aws:eks:eu-west-1:444455556666:cluster/pneumonia-production";
const podLabels = { ...selectorLabels("detector", "production"), "rollouts-pod-template-hash": "7c9d8", ...databaseClientLabel };
const pod = "detector-7c9d8-abcde";

/** matchLabels and the Exists/DoesNotExist expressions, as the API server evaluates a label selector. */
function selects(
    selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string }[] },
    labels: Record<string, string>,
): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e) => {
        if (e.operator === "Exists") return e.key in labels;
        if (e.operator === "DoesNotExist") return !(e.key in labels);
        throw new Error(`operator ${e.operator} not modelled`);
    });
    return byLabels && byExpressions;
}

describe("incident isolate and release (recording kubectl)", function () {
    this.timeout(60_000);
    let dir: string;
    let statePath: string;
    let logPath: string;
    const saved = { ...process.env };

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "incident-"));
        statePath = path.join(dir, "state.json");
        logPath = path.join(dir, "calls.jsonl");
        fs.writeFileSync(logPath, "");
        fs.writeFileSync(
            statePath,
            JSON.stringify({
                pods: {
                    [`pneumonia/${pod}`]: {
                        metadata: { name: pod, namespace: "pneumonia", labels: podLabels },
                        spec: { nodeName: "ip-10-0-1-23" },
                    },
                },
                networkpolicies: { "pneumonia/quarantine": { metadata: { name: "quarantine" }, spec: quarantinePolicySpec("forensics") } },
                nodes: { "ip-10-0-1-23": { metadata: { name: "ip-10-0-1-23" }, spec: {} } },
            }),
        );
        Object.assign(process.env, {
            FAKE_KUBECTL_STATE: statePath,
            FAKE_KUBECTL_LOG: logPath,
            FAKE_KUBECTL_CONTEXT: context,
            FAKE_KUBECTL_FORBID: "",
            FAKE_KUBECTL_RULES: JSON.stringify(responderRules),
        });
    });
    afterEach(() => {
        for (const key of ["FAKE_KUBECTL_STATE", "FAKE_KUBECTL_LOG", "FAKE_KUBECTL_CONTEXT", "FAKE_KUBECTL_FORBID", "FAKE_KUBECTL_RULES"])
            delete process.env[key];
        Object.assign(process.env, saved);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const state = () => JSON.parse(fs.readFileSync(statePath, "utf8"));
    const calls = () =>
        fs
            .readFileSync(logPath, "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[]);
    const mutations = () => calls().filter((c) => c.some((a) => ["label", "annotate", "cordon", "uncordon"].includes(a)));
    async function run(argv: string[]) {
        const lines: string[] = [];
        const code = await runIncident(parseCommandArgs(spec, argv) as ParsedArgs<typeof spec.options>, {
            kubectl,
            out: (l) => lines.push(l),
        });
        return { code, lines };
    }

    it("refuses production without an incident id, before calling kubectl", async () => {
        await assert.rejects(run(["isolate", "production", pod]), /^UsageError: isolate in production needs --incident <id>/);
        assert.deepEqual(calls(), []);
    });

    it("isolates: the pod keeps running, its owner, Services and workload policies lose it, the quarantine policy selects it; release puts it back", async () => {
        const { code, lines } = await run(["isolate", "production", pod, "--incident", "INC-2026-0042", "--cordon"]);
        assert.equal(code, exitCodes.ok);
        const isolated = state().pods[`pneumonia/${pod}`];
        assert.deepEqual(isolated.metadata.labels, { [quarantineLabel]: "INC-2026-0042" });
        assert.deepEqual(JSON.parse(isolated.metadata.annotations[quarantineAnnotations.labels]), podLabels);
        assert.equal(state().nodes["ip-10-0-1-23"].spec.unschedulable, true);
        // Selected by the quarantine policy, by no workload selector (Service, ReplicaSet, the detector's and the database's policies).
        assert.ok(selects(quarantinePolicySpec("forensics").podSelector, isolated.metadata.labels));
        assert.ok(!selects({ matchLabels: selectorLabels("detector", "production") }, isolated.metadata.labels));
        assert.ok(!selects({ matchLabels: databaseClientLabel }, isolated.metadata.labels));
        // Before: the workload's selectors had it and the quarantine policy did not.
        assert.ok(
            selects({ matchLabels: selectorLabels("detector", "production") }, podLabels) &&
                !selects(quarantinePolicySpec("forensics").podSelector, podLabels),
        );
        assert.ok(lines.some((l) => /^done: relabelled pod pneumonia\/detector-7c9d8-abcde/.test(l)));
        assert.ok(lines.includes("done: cordoned node ip-10-0-1-23: nothing new is scheduled there"));
        assert.ok(lines.includes(`undo: npm run --silent incident -- release production ${pod} --incident INC-2026-0042`));

        const again = await run(["isolate", "production", pod, "--incident", "INC-2026-0042"]);
        assert.match(again.lines[0]!, /is already isolated \(incident INC-2026-0042\); nothing changed/);

        const back = await run(["release", "production", pod, "--incident", "INC-2026-0042"]);
        assert.equal(back.code, exitCodes.ok);
        const released = state().pods[`pneumonia/${pod}`];
        assert.deepEqual(released.metadata.labels, podLabels);
        assert.deepEqual(released.metadata.annotations, {});
        assert.equal(state().nodes["ip-10-0-1-23"].spec.unschedulable, false);
    });

    it("the quarantine policy denies all egress and admits ingress only from the forensics namespace", () => {
        const policy = quarantinePolicySpec("forensics");
        assert.deepEqual(policy.policyTypes, ["Ingress", "Egress"]);
        assert.deepEqual(policy.egress, []);
        assert.deepEqual(policy.ingress, [
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "forensics" } } }] },
        ]);
    });

    it("an unknown pod is refused by the API server (NotFound): one line, nothing changed", async () => {
        await assert.rejects(
            run(["isolate", "production", "detector-gone", "--incident", "INC-1"]),
            /^UsageError: no pod pneumonia\/detector-gone in the stack's cluster$/,
        );
        assert.deepEqual(mutations(), []);
    });

    it("a responder who may not patch nodes is refused before anything changes (Forbidden)", async () => {
        process.env.FAKE_KUBECTL_FORBID = "patch nodes";
        await assert.rejects(
            run(["isolate", "production", pod, "--incident", "INC-1", "--cordon"]),
            /^UsageError: kubectl refuses: you may not patch nodes; nothing changed$/,
        );
        assert.deepEqual(mutations(), []);
        assert.deepEqual(state().pods[`pneumonia/${pod}`].metadata.labels, podLabels);
    });

    it("the incident-responder role is what it takes: without patch on pods, isolation is refused before anything changes", async () => {
        process.env.FAKE_KUBECTL_RULES = JSON.stringify(
            responderRules.map((r) => (r.resources.includes("pods") ? { ...r, verbs: r.verbs.filter((v) => v !== "patch") } : r)),
        );
        await assert.rejects(
            run(["isolate", "production", pod, "--incident", "INC-1"]),
            /^UsageError: kubectl refuses: you may not patch pods in namespace pneumonia; nothing changed$/,
        );
        assert.deepEqual(mutations(), []);
    });

    it("a forbidden verb at the API itself surfaces as kubectl's one line", async () => {
        process.env.FAKE_KUBECTL_FORBID = "get pods";
        await assert.rejects(
            run(["isolate", "production", pod, "--incident", "INC-1"]),
            /Error from server \(Forbidden\): pods "detector-7c9d8-abcde" is forbidden/,
        );
        assert.deepEqual(mutations(), []);
    });

    it("refuses where the quarantine is not deployed, and release of a pod that is not isolated", async () => {
        const s = state();
        delete s.networkpolicies["pneumonia/quarantine"];
        fs.writeFileSync(statePath, JSON.stringify(s));
        await assert.rejects(
            run(["isolate", "production", pod, "--incident", "INC-1"]),
            /^CheckFailedError: no NetworkPolicy pneumonia\/quarantine: the stack's quarantine is not deployed/,
        );
        await assert.rejects(
            run(["release", "production", pod, "--incident", "INC-1"]),
            /^CheckFailedError: pod pneumonia\/detector-7c9d8-abcde is not isolated/,
        );
        assert.deepEqual(mutations(), []);
    });

    it("refuses an incident id that cannot be a label value", async () => {
        await assert.rejects(
            run(["isolate", "production", pod, "--incident", "INC 42; rm"]),
            /^UsageError: --incident: "INC 42; rm" is not an id/,
        );
        assert.deepEqual(calls(), []);
    });
});
