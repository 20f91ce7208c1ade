// A stand-in for `kubectl port-forward`: forwards a local port on 127.0.0.1 to the address that
// FAKE_KUBECTL_ROUTES ({"<namespace>/<service>:<port>": "<host>:<port>"}) gives for the Service,
// and prints kubectl's "Forwarding from" line. Refuses a context other than FAKE_KUBECTL_CONTEXT.
import * as net from "node:net";

const args = process.argv.slice(2);
const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};
const namespace = flag("--namespace");
const service = args.find((a) => a.startsWith("service/"))?.slice("service/".length);
const port = args.find((a) => a.startsWith(":"))?.slice(1);
const routes = JSON.parse(process.env.FAKE_KUBECTL_ROUTES ?? "{}") as Record<string, string>;

if (args[args.indexOf(namespace ?? "") + 1] !== "port-forward" || flag("--address") !== "127.0.0.1") {
    process.stderr.write(`fake kubectl: unexpected arguments ${args.join(" ")}\n`);
    process.exit(2);
}
if (flag("--context") !== process.env.FAKE_KUBECTL_CONTEXT) {
    process.stderr.write(`error: context "${flag("--context")}" does not exist\n`);
    process.exit(1);
}
const target = routes[`${namespace}/${service}:${port}`];
if (!target) {
    process.stderr.write(`Error from server (NotFound): services "${service}" not found\n`);
    process.exit(1);
}
const [host, targetPort] = target.split(":");
const server = net.createServer((socket) => {
    const upstream = net.connect(Number(targetPort), host);
    socket.pipe(upstream).pipe(socket);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
});
server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`Forwarding from 127.0.0.1:${(server.address() as net.AddressInfo).port} -> ${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
