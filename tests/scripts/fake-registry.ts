// A stand-in for the npm registry's bulk advisory endpoint on 127.0.0.1, so `npm audit` runs for
// real, offline, against advisories a test chooses.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as zlib from "node:zlib";

export interface FakeRegistry {
    url: string;
    /** Package names npm asked about in its last bulk request. */
    asked: string[];
    stop(): Promise<void>;
}

/** `advisories` maps a package name to the severity of one advisory covering every version of it. */
export async function startFakeRegistry(advisories: Record<string, string>): Promise<FakeRegistry> {
    const state = { asked: [] as string[] };
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            if (req.method !== "POST" || !req.url?.startsWith("/-/npm/v1/security/advisories/bulk")) {
                res.writeHead(404, { "content-type": "application/json" }).end("{}");
                return;
            }
            const raw = Buffer.concat(chunks);
            const body = JSON.parse((req.headers["content-encoding"] === "gzip" ? zlib.gunzipSync(raw) : raw).toString()) as Record<
                string,
                string[]
            >;
            state.asked = Object.keys(body);
            const answer = Object.fromEntries(
                Object.entries(advisories)
                    .filter(([name]) => name in body)
                    .map(([name, severity], i) => [
                        name,
                        [
                            {
                                id: 900000 + i,
                                url: `https://github.com/advisories/GHSA-test-${i}`,
                                title: `Test advisory for ${name}`,
                                severity,
                                vulnerable_versions: "*",
                                cwe: [],
                                cvss: { score: 0, vectorString: null },
                            },
                        ],
                    ]),
            );
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        get asked() {
            return state.asked;
        },
        stop: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
