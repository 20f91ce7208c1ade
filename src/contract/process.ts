// Whether a local process is the one listening on a TCP port, from Linux's /proc (proc(5)):
// /proc/net/tcp and /proc/net/tcp6 list each socket with its local address (hex IP:port), state
// (0A = LISTEN) and inode; /proc/<pid>/fd/* of the process link to "socket:[<inode>]".
// The shutdown clause signals --pid only when it is the process behind --url.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const listenState = "0A";

/** Inodes of the sockets listening on `port`, IPv4 and IPv6. */
function listeningInodes(port: number): Set<string> {
    const inodes = new Set<string>();
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        let text: string;
        try {
            text = readFileSync(table, "utf8");
        } catch {
            continue;
        }
        for (const line of text.split("\n").slice(1)) {
            const fields = line.trim().split(/\s+/);
            const local = fields[1];
            if (!local || fields[3] !== listenState) continue;
            if (parseInt(local.split(":").at(-1)!, 16) === port) inodes.add(fields[9]!);
        }
    }
    return inodes;
}

/** true: `pid` holds a socket listening on `port`; false: it does not; undefined: this system cannot tell (no /proc). */
export function listensOn(pid: number, port: number): boolean | undefined {
    let fds: string[];
    try {
        fds = readdirSync(`/proc/${pid}/fd`);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ENOENT" && readdirSafe("/proc/self/fd") ? false : undefined;
    }
    const inodes = listeningInodes(port);
    return fds.some((fd) => {
        try {
            const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
            const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
            return inode !== undefined && inodes.has(inode);
        } catch {
            return false;
        }
    });
}

function readdirSafe(path: string): boolean {
    try {
        readdirSync(path);
        return true;
    } catch {
        return false;
    }
}
