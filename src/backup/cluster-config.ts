// config: the platform's configuration that is not in git. The stack config is in git (secrets
// encrypted), but what the stack generated at deploy time lives only in the cluster: the database
// password, the object-store key, rendered ConfigMaps. This archives exactly the named objects,
// read through the Kubernetes API with a Role that may `get` those names and nothing else.
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { publishArchive } from "./archive";
import { BackupError, describeError, SettingsError } from "./errors";
import type { BackupStore, Manifest } from "./store";

export const configKinds = ["secrets", "configmaps"] as const;
export type ConfigKind = (typeof configKinds)[number];

export interface ConfigObject {
    namespace: string;
    kind: ConfigKind;
    name: string;
}

const dnsLabel = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** Parses CONFIG_OBJECTS: comma-separated `namespace/secrets|configmaps/name`. */
export function parseConfigObjects(text: string | undefined): ConfigObject[] {
    const items = (text ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (items.length === 0) throw new SettingsError("CONFIG_OBJECTS: not set (comma-separated namespace/secrets|configmaps/name)");
    return items.map((item) => {
        const [namespace, kind, name, ...rest] = item.split("/");
        if (
            rest.length > 0 ||
            !dnsLabel.test(namespace ?? "") ||
            !(configKinds as readonly string[]).includes(kind ?? "") ||
            !dnsLabel.test(name ?? "")
        ) {
            throw new SettingsError(`CONFIG_OBJECTS: expected namespace/secrets|configmaps/name, got "${item}"`);
        }
        return { namespace, kind: kind as ConfigKind, name };
    });
}

export interface KubernetesApi {
    url: string;
    token?: string;
    ca?: Buffer;
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/** KUBERNETES_API_URL (+ KUBERNETES_TOKEN_FILE) when given, else the in-cluster service account. */
export function kubernetesApi(env: NodeJS.ProcessEnv = process.env): KubernetesApi {
    const read = (path: string, what: string) => {
        try {
            return readFileSync(path);
        } catch (error) {
            throw new BackupError(`config: cannot read the ${what} ${path}: ${describeError(error)}`);
        }
    };
    if (env.KUBERNETES_API_URL) {
        return {
            url: env.KUBERNETES_API_URL.replace(/\/+$/, ""),
            token: env.KUBERNETES_TOKEN_FILE ? read(env.KUBERNETES_TOKEN_FILE, "token file").toString().trim() : undefined,
        };
    }
    if (!env.KUBERNETES_SERVICE_HOST) throw new BackupError("config: not in a cluster and KUBERNETES_API_URL not set");
    return {
        url: `https://${env.KUBERNETES_SERVICE_HOST}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`,
        token: read(`${serviceAccountDir}/token`, "service account token").toString().trim(),
        ca: read(`${serviceAccountDir}/ca.crt`, "cluster CA"),
    };
}

async function getObject(api: KubernetesApi, object: ConfigObject): Promise<Record<string, unknown>> {
    const path = `/api/v1/namespaces/${object.namespace}/${object.kind}/${object.name}`;
    const what = `config: reading ${object.kind} ${object.namespace}/${object.name}`;
    const body = await new Promise<string>((resolve, reject) => {
        const url = new URL(path, api.url);
        const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
            url,
            {
                headers: { Accept: "application/json", ...(api.token ? { Authorization: `Bearer ${api.token}` } : {}) },
                ca: api.ca,
                timeout: 15_000,
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (c: Buffer) => chunks.push(c));
                response.on("end", () => {
                    if (response.statusCode === 200) return resolve(Buffer.concat(chunks).toString("utf8"));
                    reject(
                        new BackupError(
                            `${what}: HTTP ${response.statusCode}${response.statusCode === 404 ? " (not found)" : response.statusCode === 403 ? " (forbidden)" : ""}`,
                        ),
                    );
                });
            },
        );
        request.on("timeout", () => request.destroy(new Error("timed out")));
        request.on("error", (error) => reject(new BackupError(`${what}: ${describeError(error)}`)));
        request.end();
    });
    let parsed: Record<string, unknown>;
    try {
        parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
        throw new BackupError(`${what}: the API answered something other than JSON`);
    }
    return portable(parsed);
}

/** Drops what the API server owns (uid, resourceVersion, managedFields...) so the object can be re-applied. */
function portable(object: Record<string, unknown>): Record<string, unknown> {
    const metadata = { ...(object.metadata as Record<string, unknown>) };
    for (const field of ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink", "ownerReferences"])
        delete metadata[field];
    return { ...object, metadata };
}

export async function configBackup(store: BackupStore, objects: ConfigObject[], api: KubernetesApi): Promise<Manifest> {
    return publishArchive(store, "config", async (archive) => {
        for (const object of objects) {
            const data = Buffer.from(`${JSON.stringify(await getObject(api, object), null, 2)}\n`);
            await archive.add(`${object.namespace}/${object.kind}/${object.name}.json`, data.length, data);
        }
        // Names only: the values stay inside the encrypted archive.
        return { objects: objects.map((o) => `${o.namespace}/${o.kind}/${o.name}`) };
    });
}
