// A recording kubectl that refuses what the API server refuses, for `npm run incident`. The cluster
// is a JSON file (FAKE_KUBECTL_STATE: {pods, networkpolicies, replicasets, nodes, events}, keyed
// "<namespace>/<name>" or, for nodes, "<name>"); each call is appended to FAKE_KUBECTL_LOG. Like
// kubectl against a real API server:
// - a missing object is `Error from server (NotFound): <kind> "<name>" not found`, exit 1;
// - a verb the caller's RBAC does not grant (FAKE_KUBECTL_RULES, a ClusterRole's rules) or that
//   FAKE_KUBECTL_FORBID takes away ("patch nodes") is `Error from server (Forbidden): ...`, exit 1,
//   and `auth can-i` answers "no" with exit 1 for it;
// - `label` changing an existing value without --overwrite, or a label value that is not a valid
//   label value (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set), fails;
// - a context other than FAKE_KUBECTL_CONTEXT does not exist.
import * as fs from "node:fs";

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_KUBECTL_LOG!, `${JSON.stringify(args)}\n`);
const statePath = process.env.FAKE_KUBECTL_STATE!;
const state = JSON.parse(fs.readFileSync(statePath, "utf8")) as Record<string, Record<string, any>>;
// The caller's RBAC: FAKE_KUBECTL_RULES (ClusterRole rules) grants; FAKE_KUBECTL_FORBID ("patch nodes") takes away.
const rules = JSON.parse(process.env.FAKE_KUBECTL_RULES ?? "null") as { resources: string[]; verbs: string[] }[] | null;
const taken = (process.env.FAKE_KUBECTL_FORBID ?? "").split(",").filter(Boolean);
const isForbidden = (verb: string, kind: string) =>
    taken.includes(`${verb} ${kind}`) || (rules !== null && !rules.some((r) => r.resources.includes(kind) && r.verbs.includes(verb)));

function fail(message: string): never {
    process.stderr.write(`${message}\n`);
    process.exit(1);
}
const take = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [value] = args.splice(i, 2).slice(1);
    return value;
};
if (take("--context") !== process.env.FAKE_KUBECTL_CONTEXT) fail("error: context does not exist");
const namespace = take("--namespace");
const output = take("--output");
const fieldSelector = take("--field-selector");
const overwrite = args.includes("--overwrite");
const rest = args.filter((a) => a !== "--overwrite");
const [verb, ...operands] = rest;

const plural: Record<string, string> = {
    pod: "pods",
    networkpolicy: "networkpolicies",
    replicaset: "replicasets",
    "replicaset.apps": "replicasets",
    "rollout.argoproj.io": "rollouts",
    node: "nodes",
    events: "events",
    persistentvolumeclaim: "persistentvolumeclaims",
    persistentvolume: "persistentvolumes",
};
const key = (kind: string, name: string) => (["nodes", "persistentvolumes"].includes(kind) ? name : `${namespace}/${name}`);
const scope = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
const refuse = (apiVerb: string, kind: string, name: string) => {
    if (isForbidden(apiVerb, kind)) {
        fail(
            `Error from server (Forbidden): ${kind} "${name}" is forbidden: User "responder@example.org" cannot ${apiVerb} resource "${kind}" in API group "" ${scope}`,
        );
    }
};
const object = (kind: string, name: string) =>
    state[kind]?.[key(kind, name)] ?? fail(`Error from server (NotFound): ${kind} "${name}" not found`);
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

if (verb === "auth" && operands[0] === "can-i") {
    const [, apiVerb, resource] = operands;
    if (isForbidden(apiVerb!, resource!)) fail("no");
    process.stdout.write("yes\n");
} else if (verb === "get") {
    const kind = plural[operands[0]!] ?? fail(`error: the server doesn't have a resource type "${operands[0]}"`);
    if (output !== "json") fail("fake kubectl: only --output json");
    refuse("get", kind, operands[1] ?? "");
    if (kind === "events") {
        const name = /involvedObject\.name=([^,]+)/.exec(fieldSelector ?? "")?.[1];
        process.stdout.write(
            JSON.stringify({ items: (state.events?.[namespace!] ?? []).filter((e: any) => e.involvedObject.name === name) }),
        );
    } else process.stdout.write(JSON.stringify(object(kind, operands[1]!)));
} else if (verb === "label" || verb === "annotate") {
    const [kindName, name, ...changes] = operands;
    const kind = plural[kindName!]!;
    refuse("patch", kind, name!);
    const target = object(kind, name!);
    const field = verb === "label" ? "labels" : "annotations";
    const map: Record<string, string> = { ...(target.metadata[field] ?? {}) };
    for (const change of changes) {
        if (change.endsWith("-")) {
            delete map[change.slice(0, -1)];
            continue;
        }
        const [k, ...v] = change.split("=");
        const value = v.join("=");
        if (verb === "label" && (value.length > 63 || !labelValue.test(value)))
            fail(
                `error: invalid label value: "${change}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
            );
        if (map[k!] !== undefined && map[k!] !== value && !overwrite)
            fail(`error: '${k}' already has a value (${map[k!]}), and --overwrite is false`);
        map[k!] = value;
    }
    target.metadata[field] = map;
    save();
    process.stdout.write(`${kindName}/${name} ${verb === "label" ? "labeled" : "annotated"}\n`);
} else if (verb === "cordon" || verb === "uncordon") {
    refuse("patch", "nodes", operands[0]!);
    const node = object("nodes", operands[0]!);
    node.spec = { ...node.spec, unschedulable: verb === "cordon" };
    save();
    process.stdout.write(`node/${operands[0]} ${verb}ed\n`);
} else fail(`fake kubectl: unexpected arguments ${process.argv.slice(2).join(" ")}`);
