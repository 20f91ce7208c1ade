// A stand-in for `kubectl [--context C] --namespace N get <resource> <name> --output json`: answers
// from FAKE_KUBECTL_OBJECTS ({"<resource>/<namespace>/<name>": object}) and, like kubectl, prints
// `Error from server (NotFound): <resource> "<name>" not found` with exit 1 for anything else.
// Refuses a context other than FAKE_KUBECTL_CONTEXT and any output other than json.
const args = process.argv.slice(2);
const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};
if (flag("--context") !== process.env.FAKE_KUBECTL_CONTEXT) {
    process.stderr.write(`error: context "${flag("--context")}" does not exist\n`);
    process.exit(1);
}
const get = args.indexOf("get");
if (get < 0 || flag("--output") !== "json" || flag("--namespace") === undefined) {
    process.stderr.write(`fake kubectl: unexpected arguments ${args.join(" ")}\n`);
    process.exit(2);
}
const [resource, name] = [args[get + 1], args[get + 2]];
const objects = JSON.parse(process.env.FAKE_KUBECTL_OBJECTS ?? "{}") as Record<string, unknown>;
const object = objects[`${resource}/${flag("--namespace")}/${name}`];
if (object === undefined) {
    process.stderr.write(`Error from server (NotFound): ${resource} "${name}" not found\n`);
    process.exit(1);
}
process.stdout.write(JSON.stringify(object));
